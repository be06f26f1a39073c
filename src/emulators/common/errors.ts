/**
 * Why an emulator refused to start. The `code` matches the service's CONFIG_INVALID so scripts that
 * check it keep working, but the class is the emulators' own: they import nothing from the service.
 */
export class EmulatorConfigError extends Error {
  override readonly name = 'EmulatorConfigError';
  readonly code = 'CONFIG_INVALID';
}
