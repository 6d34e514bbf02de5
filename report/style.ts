/**
 * Terminal colour: on when standard output is a TTY and NO_COLOR is unset
 * (https://no-color.org), off when piped, so saved reports hold plain text.
 */
export interface Style {
  readonly good: (s: string) => string;
  readonly bad: (s: string) => string;
  readonly warn: (s: string) => string;
  readonly strong: (s: string) => string;
  readonly dim: (s: string) => string;
}

const plainText = (s: string): string => s;

export const PLAIN: Style = { good: plainText, bad: plainText, warn: plainText, strong: plainText, dim: plainText };

const sgr =
  (code: string) =>
  (s: string): string =>
    `\x1b[${code}m${s}\x1b[0m`;

export const ANSI: Style = { good: sgr('32'), bad: sgr('1;31'), warn: sgr('33'), strong: sgr('1'), dim: sgr('2') };

export function terminalStyle(isTTY: boolean, env: NodeJS.ProcessEnv = process.env): Style {
  return isTTY && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '') ? ANSI : PLAIN;
}
