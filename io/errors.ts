/** A command used wrongly (missing argument, unreadable file, unknown stack): exit 2 with usage. */
export class UsageError extends Error {}
