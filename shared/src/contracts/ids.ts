/** Identifier rules shared by the API, the workers, the web and the CLI. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isValidRunId(runid: string): boolean {
  return RUN_ID_PATTERN.test(runid) && runid !== '.' && runid !== '..' && !runid.includes('..');
}
