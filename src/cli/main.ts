#!/usr/bin/env node
/** The `dhcp-agent` command. */
import { parseArgs } from 'node:util';
import { LabError } from '../lab/exec';
import { ValidationError, isError } from '../model/errors';
import { CliError, EXIT_INVALID } from './io';
import { DRIFT_HELP, driftCommand } from './drift';
import { HANDLER_HELP, handlerCommand } from './handler';
import { LAB_HELP, labCommand } from './lab';
import { PROVIDER_HELP, providerCommand } from './provider';
import { RENDER_HELP, renderCommand } from './render';
import { STATUS_HELP, statusCommand } from './status';

const HELP = `Usage: dhcp-agent <command> [options]

Commands:
  render <network.json> [--options <options.json>]   neutron-compatible dnsmasq files and argv, as JSON
  provider install [--dir D]                         install the dhcpagent Terraform provider (filesystem mirror)
  handler <node|network|port> <action>               run one handler on a node (portable mode)
  drift [--dir D] [--repair]                         drift of a portable-mode stack; exit 2 when drifted
  status --host H | --lab L                          what a node serves, and any drift (read-only)
  lab up|down|status|vm                              real test hosts in network namespaces (root)
  help [command]                                     this text, or a command's

Run 'dhcp-agent <command> --help' for a command's options.
`;

type Command = (argv: string[]) => Promise<number> | number;

const commands: Record<string, { help: string; run: Command }> = {
  lab: { help: LAB_HELP, run: labCommand },
  handler: { help: HANDLER_HELP, run: handlerCommand },
  drift: { help: DRIFT_HELP, run: driftCommand },
  status: { help: STATUS_HELP, run: statusCommand },
  provider: { help: PROVIDER_HELP, run: providerCommand },
  render: {
    help: RENDER_HELP,
    run: (argv) => {
      const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { options: { type: 'string' }, 'dhcp-port': { type: 'string' } },
      });
      if (positionals.length !== 1) throw new CliError(`render: expected one <network.json> argument, got ${positionals.length}\n\n${RENDER_HELP}`, EXIT_INVALID);
      process.stdout.write(renderCommand({ networkFile: positionals[0], optionsFile: values.options, dhcpPortId: values['dhcp-port'] }));
      return 0;
    },
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0] && commands[rest[0]];
    process.stdout.write(topic ? topic.help : HELP);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`dhcp-agent: unknown command ${JSON.stringify(name)}\n\n${HELP}`);
    return EXIT_INVALID;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // Errors whose message is the whole story (refused input, lab preconditions) print without a trace.
    if (isError(e, CliError) || isError(e, LabError) || isError(e, ValidationError)) {
      process.stderr.write(`${e.message}\n`);
      return isError(e, CliError) ? e.exitCode : isError(e, ValidationError) ? EXIT_INVALID : 1;
    }
    if (isError(e, TypeError) && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`dhcp-agent ${name}: ${e.message}\n`);
      return EXIT_INVALID;
    }
    process.stderr.write(`dhcp-agent ${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}
