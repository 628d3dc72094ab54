import { pathToString, type AttributePath } from '../diagnostics';

/** Thrown for a value that does not fit its type; `path` leads to it (empty for the root). */
export class CtyValueError extends Error {
  constructor(
    readonly path: AttributePath,
    readonly problem: string,
  ) {
    super(path.length ? `${pathToString(path)}: ${problem}` : problem);
    this.name = 'CtyValueError';
  }
}
