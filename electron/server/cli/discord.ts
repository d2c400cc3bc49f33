import type { Command } from 'commander';
import { Option } from 'commander';
import pc from 'picocolors';
import type { SetupLine } from '../../core/discord/setup.ts';
import { GovernorError } from '../../core/errors.ts';
import { refusalLine } from '../../../shared/refusal-line.ts';
import type { LoopDriver } from '../../core/api.ts';
import type { OpenedProject } from '../../core/host.ts';

/**
 * What the discord commands use, loaded when one of them runs: discord.js and the engine take hundreds of
 * milliseconds to load, and every other command (and `--help`) would pay for them.
 */
async function load() {
  const [shared, bridge, config, outbox, sender, setup, status, host, redact, project, loop, lock, output] =
    await Promise.all([
      import('../../../shared/index.ts'),
      import('../../core/discord/bridge.ts'),
      import('../../core/discord/config.ts'),
      import('../../core/discord/outbox.ts'),
      import('../../core/discord/sender.ts'),
      import('../../core/discord/setup.ts'),
      import('../../core/discord/status.ts'),
      import('../../core/host.ts'),
      import('../../core/secrets/redact.ts'),
      import('../../core/project.ts'),
      import('../../core/api.ts'),
      import('./lock.ts'),
      import('./output.ts'),
    ]);
  return {
    ...shared,
    ...bridge,
    ...config,
    ...outbox,
    ...sender,
    ...setup,
    ...status,
    ...host,
    ...redact,
    ...project,
    ...loop,
    ...lock,
    ...output,
  };
}

const dirOption = () => new Option('-d, --dir <dir>', 'project folder').default('.');
const EXAMPLE = 'mode: bot\nguild_id: "123456789012345678"\nreviewers:\n  users: ["234567890123456789"]\n';

/** `governor discord setup | test | run | status | retry`. */
export function registerDiscordCommands(program: Command): void {
  const discord = program
    .command('discord')
    .description('the Discord link: alerts, slash commands and review buttons (configured in discord.yaml)');

  discord
    .command('setup')
    .addOption(dirOption())
    .description('check the token, guild and channels (creating missing ones), register the slash commands')
    .action(async (o: { dir: string }) => {
      const {
        assertProjectDir,
        loadDiscordFile,
        Redactor,
        webhookTargets,
        setupWebhooks,
        createRest,
        discordToken,
        setupBot,
      } = await load();
      const root = await assertProjectDir(o.dir);
      const file = await loadDiscordFile(root);
      if (!file)
        throw new GovernorError('discord_not_configured', `no discord.yaml in ${root}; create one, e.g.\n${EXAMPLE}`);
      let lines: SetupLine[];
      // What Discord (or a proxy) answers may echo what it was sent: the output never shows a token.
      const redactor = new Redactor();
      if (file.mode === 'webhook') {
        for (const t of Object.values(webhookTargets(file).targets)) redactor.add(t.token);
        lines = await setupWebhooks(file, createRest(file, null));
      } else {
        const token = await discordToken(file);
        if (!token)
          throw new GovernorError(
            'discord_token_missing',
            `set ${file.token_env} to the bot's token (Discord developer portal → your app → Bot → Reset Token)`,
          );
        redactor.add(token);
        // The commands are the same for every project (agents come from autocomplete): no project to open.
        lines = await setupBot(file, createRest(file, token));
      }
      for (const l of lines) console.log(`${l.ok ? pc.green('✓') : pc.red('✗')} ${redactor.redact(l.text)}`);
      process.exitCode = lines.every((l) => l.ok) ? 0 : 1;
    });

  discord
    .command('test')
    .addOption(dirOption())
    .addOption(
      new Option('--wait <seconds>', 'how long to wait for the delivery')
        .default('60')
        .argParser((v) => Math.max(1, Number(v) || 60)),
    )
    .description('send a test message to #system-health, through the outbox')
    .action(async (o: { dir: string; wait: number | string }) => {
      const { openProject, queueTestMessage, createOutbox, discordStatus, startDiscordBridge } = await load();
      const p = await openProject(o.dir);
      try {
        const key = queueTestMessage(p);
        const outbox = createOutbox(p.ledger.db);
        // A running bridge (governor serve or discord run) delivers it; otherwise deliver it from here.
        const started = discordStatus(p).running
          ? null
          : await startDiscordBridge(p, { inbound: false, log: (l) => console.log(pc.dim(l)) });
        if (started && !started.started) throw new GovernorError('discord_unavailable', started.reason);
        const deadline = Date.now() + Number(o.wait) * 1000;
        let row = outbox.byKey(key);
        while (row?.state === 'pending' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          row = outbox.byKey(key);
        }
        if (started?.started) await started.bridge.stop();
        if (row?.state === 'sent')
          console.log(`${pc.green('✓')} test message delivered to #system-health (message ${row.message_id})`);
        else {
          console.log(
            pc.red(
              `✗ not delivered yet: ${row?.last_error ?? 'still pending'}; it stays queued and goes out ` +
                `when Discord is reachable`,
            ),
          );
          process.exitCode = 1;
        }
      } finally {
        p.close();
      }
    });

  discord
    .command('status')
    .addOption(dirOption())
    .description('is the link configured and running; what is queued, and the last error')
    .action(async (o: { dir: string }) => {
      const { openProject, discordStatus } = await load();
      const p = await openProject(o.dir);
      try {
        const s = discordStatus(p);
        if (!s.configured) {
          console.log('No discord.yaml: Discord is not configured for this project.');
          return;
        }
        const refused = refusalLine({ latest: s.refused, last24h: s.refused_24h }) ?? 'none';
        console.log(
          [
            `mode: ${s.mode}`,
            `bridge: ${s.running ? (s.connected ? 'running, connected' : 'running, not connected') : 'not running'}`,
            `outbox: ${s.pending} pending, ${s.sent} sent, ${s.dead} ` +
              `undeliverable${s.dead > 0 ? ' (`governor discord retry` queues them again)' : ''}`,
            `last error: ${s.last_error ?? 'none'}`,
            `refused attempts: ${refused}`,
          ].join('\n'),
        );
      } finally {
        p.close();
      }
    });

  discord
    .command('retry')
    .addOption(dirOption())
    .description('queue the undeliverable messages again (after fixing why Discord refused them)')
    .action(async (o: { dir: string }) => {
      const { openProject, retryDead, discordStatus } = await load();
      const p = await openProject(o.dir);
      try {
        const n = retryDead(p);
        const running = discordStatus(p).running;
        console.log(
          n === 0
            ? 'No undeliverable messages.'
            : `${n} message${n === 1 ? '' : 's'} queued again; ` +
                (running
                  ? 'the running link sends them now.'
                  : 'they go out when the link runs (`governor serve` or `governor discord run`).'),
        );
      } finally {
        p.close();
      }
    });

  discord
    .command('run')
    .addOption(dirOption())
    // The link drives the loop by default, so a decision made on a phone moves the project on.
    .option('--no-loop', 'only record what is decided in Discord; do not run the governed loop after it')
    .description('run the bot and the outbox deliverer in the foreground until Ctrl-C')
    .action(async (o: { dir: string; loop?: boolean }) => {
      const lib = await load();
      const { openProject, assertProjectDir, formatProgress, startDiscordBridge, noLoop } = lib;
      const p = await openProject(await assertProjectDir(o.dir), { progress: (x) => console.log(formatProgress(x)) });
      const loop = o.loop ? loopWhenFree(p, lib) : null;
      const r = await startDiscordBridge(p, {
        log: (l) => console.log(l),
        loop:
          loop ??
          noLoop(p, 'no loop runs beside this link (it was started with --no-loop); the app or the host acts on it'),
      });
      if (!r.started) {
        p.close();
        throw new GovernorError('discord_unavailable', r.reason);
      }
      console.log(`Discord link running (${r.bridge.mode} mode) for ${pc.bold(p.agentsFile.project)}. Ctrl-C stops.`);
      const stop = () =>
        void r.bridge
          .stop()
          .then(async () => {
            await loop?.stop();
            p.close();
          })
          .finally(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

/**
 * `discord run` (unless --no-loop): a decision or command made in Discord runs the loop here, but only while no other
 * process drives the project (a host, an interactive run); the project's loop lock is held for each run.
 */
function loopWhenFree(p: OpenedProject, lib: Awaited<ReturnType<typeof load>>): LoopDriver & { stop(): Promise<void> } {
  const { acquireLoopLock, createLoopRunner, describeDriver, drivenElsewhere } = lib;
  let release: (() => void) | null = null;
  const runner = createLoopRunner(p, () => {
    if (!runner.running && release) {
      release();
      release = null;
    }
  });
  return {
    get running() {
      return runner.running;
    },
    get waiting() {
      return runner.waiting;
    },
    get elsewhere() {
      const h = drivenElsewhere(p.dir);
      return h ? describeDriver(p.dir, h) : null;
    },
    start() {
      if (runner.running) return runner.start();
      const holder = drivenElsewhere(p.dir);
      if (holder)
        return { started: false, reason: `${describeDriver(p.dir, holder)} drives this project and acts on it` };
      release = acquireLoopLock(p.dir, 'discord');
      const started = runner.start();
      if (!started.started) {
        release();
        release = null;
      }
      return started;
    },
    stop: () => runner.stop(),
  };
}
