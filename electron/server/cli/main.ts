import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import pc from 'picocolors';
import { ConfigError, GovernorError, errorMessage } from '../../core/errors.ts';
import { withProject } from './open.ts';
import { fail } from './output.ts';
import { registerDiscordCommands } from './discord.ts';
import { registerMcpCommand } from './mcp.ts';

/*
 * Every command pays for what this file imports before it runs, and `governor --help` runs none: so only
 * commander, picocolors, the error types and the output helpers are imported here. Each action imports what
 * it needs when it runs (the engine, git, SQLite, the AI SDK, discord.js, the host), and no more.
 */

// `governor reviews | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command();
program
  .name('governor')
  .description('Govern a team of AI agents building software: approvals, evidence-gated merges, an audited ledger.')
  .showHelpAfterError();

const dirOption = () => new Option('-d, --dir <dir>', 'project folder').default('.');

program
  .command('init')
  .argument('<name>', 'project folder to create')
  .option('--brief <text>', 'what the project should build')
  .option(
    '--runtime <ref>',
    'runtime for every role: scripted, anthropic:<model>, openai:<model>, ollama:<model>, ' +
      'openai-compatible:<model> (asked at a terminal)',
  )
  .option('--base-url <url>', 'the server of an ollama or openai-compatible runtime')
  .description('create a project: git repo, agents.yaml, .project_policies.yaml, .gitignore')
  .action(async (name: string, o: { brief?: string; runtime?: string; baseUrl?: string }) => {
    const [{ initProject }, { askRuntime }] = await Promise.all([
      import('../../core/project.ts'),
      import('./init-runtime.ts'),
    ]);
    const chosen = o.runtime
      ? { runtime: o.runtime, ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}) }
      : process.stdin.isTTY
        ? await askRuntime()
        : { runtime: 'scripted' };
    const res = await initProject(resolve(name), { name, ...(o.brief ? { brief: o.brief } : {}), ...chosen });
    console.log(
      `Created ${pc.bold(res.dir)} with ${res.created.join(', ')}; every role runs on ${pc.bold(chosen.runtime)}.`,
    );
    if (chosen.runtime === 'scripted') {
      console.log(
        pc.yellow(
          'The scripted runtime only plays the sample project (`governor demo`); for your own brief, set a model',
        ),
      );
      console.log(pc.yellow('runtime in agents.yaml (or `governor init --runtime …`), then `governor doctor`.'));
    }
    console.log(
      `Next: check agents.yaml (brief, runtimes) and ${pc.cyan(`governor doctor --dir ${name}`)}, then ` +
        `${pc.cyan(`governor run --dir ${name}`)}`,
    );
  });

program
  .command('demo')
  .option('-d, --dir <dir>', 'where to create the sample project (default: a new temp folder)')
  .description('create the sample project "build base backtester skeleton" (scripted, offline)')
  .action(async (o: { dir?: string }) => {
    const { initProject } = await import('../../core/project.ts');
    const dir = o.dir ? resolve(o.dir) : join(mkdtempSync(join(tmpdir(), 'governor-demo-')), 'backtester');
    await initProject(dir, { sample: true });
    console.log(`Sample project created in ${pc.bold(dir)} (runtime: scripted — an offline script, not a model).`);
    console.log(`Run it: ${pc.cyan(`governor run --dir ${dir}`)}`);
  });

program
  .command('run')
  .addOption(dirOption())
  .option('--no-prompt', 'stop at human gates instead of asking')
  .option('--replay <run-id>', 'rerun a recorded run from its cassette (no network) in a fresh folder and compare')
  .description('run the governed loop until it needs the human; resumes where the ledger says')
  .action(async (o: { dir: string; prompt: boolean; replay?: string }) => {
    const { runCommand } = await import('./run.ts');
    process.exitCode = await runCommand(o);
  });

program
  .command('reviews')
  .addOption(dirOption())
  .option('-a, --all', 'include decided reviews')
  .description('list pending reviews')
  .action(async (o: { dir: string; all?: boolean }) => {
    const { listReviews } = await import('./human.ts');
    await listReviews(o.dir, Boolean(o.all));
  });

program
  .command('decide')
  .argument('<review-id>', 'e.g. review_0003 or 3, or a permission request perm_0001')
  .argument(
    '<decision>',
    'approve | conditions | clarify | changes | defer | reject; for a permission request: allow | session ' +
      '| always | deny | edit',
  )
  .addOption(dirOption())
  .option('-c, --comment <text>', 'your comment (required for conditions, clarify, changes, reject)', '')
  .option('-i, --inline <path:line:text...>', 'inline comment anchored to a line of the reviewed document')
  .option(
    '--digest <hex>',
    "permission requests: the input's digest as `governor reviews` shows it (a decision for another input is refused)",
  )
  .option('-m, --message <text>', 'permission requests: what the agent reads (the reason for a denial)')
  .option('--input <json>', 'permission requests, with `edit`: the input to run instead, as a JSON object')
  .description('decide a pending review or permission request; the first decision wins')
  .action(
    async (
      id: string,
      decision: string,
      o: { dir: string; comment: string; inline?: string[]; digest?: string; message?: string; input?: string },
    ) => {
      const [{ decide }, { parseInline }] = await Promise.all([import('./human.ts'), import('./decisions.ts')]);
      const inline = (o.inline ?? []).map(parseInline);
      const permission = {
        ...(o.digest ? { digest: o.digest } : {}),
        ...(o.message ? { message: o.message } : {}),
        ...(o.input ? { input: o.input } : {}),
      };
      await decide(o.dir, id, decision, { comment: o.comment, inline, ...permission });
    },
  );

program
  .command('command')
  .argument('<text>', 'e.g. "/status" or "/clarify Designer why parquet?"')
  .addOption(dirOption())
  .description(
    'send a human command (/status, /clarify, /assign, /ack, /resolve, /pause, /resume, /approve, /reject, /help)',
  )
  .action(async (text: string, o: { dir: string }) => {
    const { command } = await import('./human.ts');
    process.exitCode = await command(o.dir, text);
  });

program
  .command('status')
  .addOption(dirOption())
  .description('same as `governor command /status`')
  .action(async (o: { dir: string }) => {
    const { status } = await import('./human.ts');
    await status(o.dir);
  });

program
  .command('diff')
  .argument('<range>', 'A..B between branches, tags or commits (e.g. develop..phase1/implementer), or one commit')
  .addOption(dirOption())
  .option('--name-status', 'only the list of changed files')
  .description('show what changed: name-status, then a unified patch per file')
  .action(async (range: string, o: { dir: string; nameStatus?: boolean }) => {
    const { printDiff } = await import('./diff.ts');
    await withProject(o.dir, (p) => printDiff(p.git, range, { nameOnly: Boolean(o.nameStatus) }), true);
  });

program
  .command('serve')
  .addOption(dirOption())
  .option('-p, --port <port>', 'port (0 = any free port)', '4817')
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option(
    '--allow-remote',
    'allow binding beyond loopback (anyone who can reach it and has the token can govern the project)',
  )
  .description('serve the UI and the contract over HTTP + WebSocket for a browser (headless)')
  .action(async (o: { dir: string; port: string; host: string; allowRemote?: boolean }) => {
    const { assertProjectDir } = await import('../../core/project.ts');
    const { startHost } = await import('../host/server.ts');
    const { formatProgress } = await import('./output.ts');
    const root = await assertProjectDir(o.dir);
    if (!['127.0.0.1', 'localhost', '::1'].includes(o.host)) {
      if (!o.allowRemote)
        throw new GovernorError(
          'remote_refused',
          `binding to ${o.host} exposes the project beyond this machine; add --allow-remote if you mean it`,
        );
      console.log(
        pc.yellow(
          `⚠️  Listening on ${o.host}: anyone who can reach this address and has the token can govern this ` +
            `project. Prefer an SSH tunnel to 127.0.0.1.`,
        ),
      );
    }
    // A project another process drives is refused at once, naming it, before any UI is built.
    const { checkOpenable } = await import('../../core/projects.ts');
    await checkOpenable(root);
    // Never a URL to a page that cannot load: the UI is built first (with progress) if missing or stale.
    const { ensureUi } = await import('../host/ui-build.ts');
    await ensureUi((line) => console.log(pc.dim(`[ui] ${line}`)));
    const host = await startHost({
      dir: root,
      port: Number(o.port),
      host: o.host,
      rememberProject: true,
      ...(o.allowRemote ? { allowRemote: true } : {}),
      onProgress: (x) => console.log(formatProgress(x)),
    });
    console.log(
      `Governor is serving ${pc.bold(host.project.agentsFile.project)}\n\n  ${pc.cyan(host.url)}\n\nOpen ` +
        `that URL in a browser (it carries the access token). Ctrl-C stops.`,
    );
    const stop = () => void host.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('doctor')
  .addOption(dirOption())
  .description('check each runtime in agents.yaml: key present, provider reachable, a small test call succeeds')
  .action(async (o: { dir: string }) => {
    const { assertProjectDir } = await import('../../core/project.ts');
    const { runDoctor } = await import('../../core/agents/doctor.ts');
    const { loadAgentsFile, loadPoliciesFile } = await import('../../core/config/load.ts');
    const { sandboxReport } = await import('../../core/sandbox/index.ts');
    const { hostKeyStore } = await import('../../core/secrets/key-store.ts');
    const root = await assertProjectDir(o.dir);
    const agentsFile = await loadAgentsFile(root);
    const checks = await runDoctor({ dir: root, agentsFile, extraKeys: hostKeyStore() });
    const box = sandboxReport((await loadPoliciesFile(root, agentsFile)).sandbox);
    console.log(
      `${box.ok ? pc.green('✓') : pc.red('✗')} ${pc.bold('sandbox')}  ${box.ok ? box.detail : pc.red(box.detail)}`,
    );
    let ok = box.ok;
    for (const c of checks) {
      const good = c.key.ok && c.call.ok && (c.structured?.ok ?? true) && (c.tools?.ok ?? true);
      ok &&= good;
      console.log(`${good ? pc.green('✓') : pc.red('✗')} ${pc.bold(c.runtime)} ${pc.dim(`(${c.roles.join(', ')})`)}`);
      console.log(`    key:  ${c.key.ok ? c.key.detail : pc.red(c.key.detail)}`);
      console.log(`    call: ${c.call.ok ? c.call.detail : pc.red(c.call.detail)}`);
      if (c.structured)
        console.log(`    structured output: ${c.structured.ok ? c.structured.detail : pc.red(c.structured.detail)}`);
      if (c.tools) console.log(`    tool calling: ${c.tools.ok ? c.tools.detail : pc.red(c.tools.detail)}`);
    }
    process.exitCode = ok ? 0 : 1;
  });

const qa = program.command('qa').description('the QA gate');
qa.command('run')
  .addOption(dirOption())
  .option(
    '--candidate <ref>',
    'test this branch, tag or commit instead of a fresh candidate (develop + the phase branches)',
  )
  .description('run the QA gate by hand: tests, coverage, drift, compliance, verdict; merges nothing')
  .action(async (o: { dir: string; candidate?: string }) => {
    const { runGateByHand } = await import('../../core/workflow/stages/manual-gate.ts');
    await withProject(o.dir, async (p) => {
      const gate = await runGateByHand(p, o.candidate);
      console.log(
        `\n${gate.green ? pc.green('✅ green') : pc.red('❌ not green')} — ${gate.outcome.replace('_', ' ')} ` +
          `(candidate ${gate.candidate.slice(0, 12)})`,
      );
      for (const c of gate.conditions)
        console.log(`  ${c.ok ? pc.green('✓') : pc.red('✗')} ${c.condition}: ${c.detail}`);
      console.log(pc.dim(`Full report: ${join(p.dir, 'QA_REPORT.md')} (and QA_REPORT.html)`));
      process.exitCode = gate.green ? 0 : 1;
    });
  });
qa.command('report')
  .addOption(dirOption())
  .description('print the last QA report')
  .action(async (o: { dir: string }) => {
    await withProject(
      o.dir,
      async (p) => {
        const report = p.exporter.rendered('QA_REPORT.md');
        console.log(
          report ?? 'No QA gate has run yet. `governor run` reaches it after the build, or run `governor qa run`.',
        );
      },
      true,
    );
  });

const audit = program.command('audit').description('check the audit trail');
audit
  .command('verify')
  .addOption(dirOption())
  .option('--git', 'also check that audit/git_actions.jsonl, the notes under refs/notes/audit and the history agree')
  .description('verify the ledger hash chain and that exported files match the ledger')
  .action(async (o: { dir: string; git?: boolean }) => {
    const { verifyGitAudit } = await import('../../core/git/audit-verify.ts');
    await withProject(
      o.dir,
      async (p) => {
        const v = p.ledger.verify();
        if (!v.ok && v.firstBad) {
          console.log(fail(`ledger chain broken at event #${v.firstBad.seq} (${v.firstBad.id}): ${v.firstBad.reason}`));
          process.exitCode = 1;
          return;
        }
        console.log(`${pc.green('✓')} ledger: ${v.checked} events, chain intact (head ${v.head.slice(0, 12)})`);
        const mismatches = await p.exporter.verify();
        // A brand-new project has exported nothing yet: nothing there to differ from the ledger.
        if (mismatches.length === p.exporter.expected().size && mismatches.every((m) => m.problem === 'missing')) {
          console.log(
            `${pc.green('✓')} exports: none written yet (a new project); \`governor run\` writes them from the ledger`,
          );
        } else if (mismatches.length > 0) {
          for (const m of mismatches)
            console.log(fail(`${m.path}: ${m.problem === 'missing' ? 'missing' : 'does not match the ledger'}`));
          console.log(pc.dim('`governor run` or any command rewrites the exports from the ledger.'));
          process.exitCode = 1;
          return;
        } else console.log(`${pc.green('✓')} exports: ${p.exporter.expected().size} files match the ledger`);
        if (o.git) {
          const problems = await verifyGitAudit(p);
          for (const problem of problems) console.log(fail(problem));
          if (problems.length > 0) {
            process.exitCode = 1;
            return;
          }
          console.log(
            `${pc.green('✓')} git: ${p.read.gitActions().length} actions agree with git_actions.jsonl, the ` +
              `audit notes and the history`,
          );
        }
      },
      true,
    );
  });

registerDiscordCommands(program);
registerMcpCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof GovernorError) console.error(fail(err.message));
  else console.error(fail(errorMessage(err)), err instanceof Error ? `\n${pc.dim(err.stack ?? '')}` : '');
  process.exitCode = 1;
});
