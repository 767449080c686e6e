import { describeIssues, errorTree, type Issue, type JsonObject } from './validation/index.ts';

/** JSON error body exactly as Discord sends it. */
export interface DiscordErrorBody {
  message: string;
  code: number;
  errors?: JsonObject;
}

/**
 * A REST rejection. Thrown by route handlers and turned into the HTTP response by the dispatcher, which also
 * records it as a violation (with `reason`).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly body: DiscordErrorBody;
  readonly reason: string;

  constructor(status: number, body: DiscordErrorBody, reason?: string) {
    super(`${status} ${body.code}: ${body.message}`);
    this.status = status;
    this.body = body;
    this.reason = reason ?? body.message;
  }
}

const make = (status: number, code: number, message: string) => (reason?: string) =>
  new ApiError(status, { message, code }, reason);

/** Discord JSON error codes used by the emulator. */
export const DiscordErrors = {
  unauthorized: make(401, 0, '401: Unauthorized'),
  notFound: make(404, 0, '404: Not Found'),
  methodNotAllowed: make(405, 0, '405: Method Not Allowed'),
  unknownChannel: make(404, 10003, 'Unknown Channel'),
  unknownGuild: make(404, 10004, 'Unknown Guild'),
  unknownMember: make(404, 10007, 'Unknown Member'),
  unknownMessage: make(404, 10008, 'Unknown Message'),
  unknownUser: make(404, 10013, 'Unknown User'),
  unknownWebhook: make(404, 10015, 'Unknown Webhook'),
  unknownInteraction: make(404, 10062, 'Unknown interaction'),
  unknownCommand: make(404, 10063, 'Unknown application command'),
  entityTooLarge: make(413, 40005, 'Request entity too large'),
  alreadyAcknowledged: make(400, 40060, 'Interaction has already been acknowledged.'),
  missingAccess: make(403, 50001, 'Missing Access'),
  cannotEditOthers: make(403, 50005, 'Cannot edit a message authored by another user'),
  emptyMessage: make(400, 50006, 'Cannot send an empty message'),
  cannotMessageUser: make(403, 50007, 'Cannot send messages to this user'),
  nonTextChannel: make(400, 50008, 'Cannot send messages in a non-text channel'),
  missingPermissions: make(403, 50013, 'Missing Permissions'),
  invalidWebhookToken: make(401, 50027, 'Invalid Webhook Token'),
  invalidRecipient: make(400, 50033, 'Invalid Recipient(s)'),
  invalidJson: make(400, 50109, 'The request body contains invalid JSON.'),
  threadAlreadyCreated: make(400, 160004, 'A thread has already been created for this message'),
};

/** 400 / 50035 "Invalid Form Body" with Discord's nested `errors` tree. */
export function invalidFormBody(issues: readonly Issue[]): ApiError {
  return new ApiError(
    400,
    { message: 'Invalid Form Body', code: 50035, errors: errorTree(issues) },
    `Invalid Form Body: ${describeIssues(issues)}`,
  );
}
