/** Entry of the CLI bundle (`dist/cli.cjs`): runners call `main(args)` (see packaging.cliCommand). */
export { main } from './main';
