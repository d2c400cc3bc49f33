import type { Command } from 'commander';
import { Option } from 'commander';
import { InvalidInputError } from '../../core/errors.ts';

/**
 * `governor mcp --dir P --agent NAME`: Governor's MCP server over stdio for one agent, e.g. for your own
 * Claude Code: `claude mcp add governor -- npx governor mcp --dir P --agent Implementer`. stdout carries
 * the protocol, so everything else goes to stderr.
 */
export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .addOption(new Option('-d, --dir <dir>', 'project folder').default('.'))
    .requiredOption('-a, --agent <name>', 'the agent this session acts as (e.g. Implementer, Implementer-2)')
    .option(
      '--print-token',
      "print the agent's token and the command to add the running host's /mcp to Claude Code, then exit",
    )
    .description(
      "serve Governor's MCP server for one agent over stdio (raise_concern, propose_variation, " +
        'ask_clarification, handoff, next_task, status)',
    )
    .action(async (o: { dir: string; agent: string; printToken?: boolean }) => {
      // Loaded when `governor mcp` runs: every other command (and --help) starts without the engine.
      const { AgentName, agentNames } = await import('../../../shared/index.ts');
      const { openProject } = await import('../../core/host.ts');
      const { hostKeyStore } = await import('../../core/secrets/key-store.ts');
      const { assertProjectDir } = await import('../../core/project.ts');
      const { runningHost } = await import('./host-client.ts');
      const dir = await assertProjectDir(o.dir);
      const parsed = AgentName.safeParse(o.agent);
      if (!parsed.success)
        throw new InvalidInputError(`--agent "${o.agent}" is not an agent name such as Implementer or Implementer-2`);
      // Loaded here, not at start-up: every other command stays free of the MCP SDK.
      const { agentToken, mcpSecret } = await import('../../core/mcp/http.ts');
      if (o.printToken) {
        const token = agentToken(await mcpSecret(dir), parsed.data);
        const host = runningHost(dir);
        console.log(token);
        const url = host
          ? `http://127.0.0.1:${host.port}/mcp`
          : 'http://127.0.0.1:<port>/mcp (start `governor serve` first)';
        console.error(
          `Add it to Claude Code:\n  claude mcp add --transport http governor ${url} --header ` +
            `"Authorization: Bearer ${token}"`,
        );
        return;
      }
      const p = await openProject(dir, {
        progress: (x) => process.stderr.write(`${x.agent ? `${x.agent}: ` : ''}${x.text}\n`),
        keyStore: hostKeyStore(),
      });
      if (!agentNames(p.agentsFile).includes(parsed.data)) {
        p.close();
        throw new InvalidInputError(
          `--agent ${parsed.data} is not in agents.yaml; its agents are ${agentNames(p.agentsFile).join(', ')}`,
        );
      }
      const { standaloneActions } = await import('../../core/mcp/external.ts');
      const { createGovernorMcpServer } = await import('../../core/mcp/server.ts');
      const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
      const server = createGovernorMcpServer(
        standaloneActions(p, parsed.data),
        p.redactor ? { redactor: p.redactor } : {},
      );
      const transport = new StdioServerTransport();
      transport.onclose = () => {
        p.close();
        process.exit(0);
      };
      await server.connect(transport);
      process.stderr.write(`Governor MCP server for ${parsed.data} on stdio (project ${p.agentsFile.project})\n`);
    });
}
