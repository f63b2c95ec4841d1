/**
 * A scenario that cannot run with the Connectors as they are (not a failure of either): the message
 * says what is in the way and what to do. The admin endpoint answers it as a 409.
 */
export class ScenarioPreconditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioPreconditionError";
  }
}
