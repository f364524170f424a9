/** The distributed mode's errors, in a module that loads no NATS code (the CLI catches them in every role). */

/** The bus could not be reached or set up; `code` is stable, the message says what to fix. */
export class BusSetupError extends Error {
  constructor(
    readonly code:
      | 'connect_failed'
      | 'auth_failed'
      | 'server_too_old'
      | 'jetstream_disabled'
      | 'stream_config'
      | 'bad_retention',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BusSetupError';
  }
}
