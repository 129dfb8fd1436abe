// `switchboard` command line: one sub-command per file in cli/.
import { crdsCommand } from './crds.ts';
import { operatorCommand } from './operator.ts';
import { reportCommand } from './report.ts';
import { routerCommand } from './router.ts';
import { type Command, UsageError } from './usage.ts';
import { validateCommand } from './validate.ts';
import { versionCommand } from './version.ts';

const COMMANDS: Command[] = [
  validateCommand,
  routerCommand,
  operatorCommand,
  reportCommand,
  crdsCommand,
  versionCommand,
];

function help(): string {
  return [
    'switchboard: alert routing, on-call and SLA tracking for MSPs',
    '',
    'Usage: switchboard <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    "Run `switchboard <command> --help` for a command's options; `switchboard --version` prints the version.",
    'Environment: SWITCHBOARD_ADMIN_TOKEN, SWITCHBOARD_SIGNING_KEY, SWITCHBOARD_LOG_LEVEL, SWITCHBOARD_URL (report).',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') return versionCommand.run([]);
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`switchboard: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`switchboard ${cmd.name}: ${e.message}\n\n${cmd.usage}`);
      return 2;
    }
    throw e;
  }
}

const code = await main(process.argv.slice(2));
// Long-running commands (router, operator) resolve only when they have shut down.
process.exitCode = code;
