/**
 * Runs a script's `main` with its arguments when the script is the program (not when a test
 * imports it): a failure is its message on one line and exit code 1, no stack trace.
 */
export function runWhenMain(script: NodeJS.Module, main: (argv: readonly string[]) => void): void {
  if (require.main !== script) return;
  try {
    main(process.argv.slice(2));
  } catch (error: unknown) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
