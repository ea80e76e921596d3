/**
 * Chooses the socket source per protocol. Placeholder until the native
 * engine lands (issue 3): always the /proc backend.
 */
