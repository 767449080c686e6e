/** Pure validators encoding Discord's documented limits. No I/O, no emulator state. */
export { charLength, describeIssues, errorTree, type Issue, isRecord, type JsonObject } from './common.ts';
export { COMMAND_NAME_PATTERN, CommandType, commandCharacters, validateCommandList } from './commands.ts';
export { validateCommand } from './commands.ts';
export {
  allowedCallbackTypes,
  CallbackType,
  InteractionType,
  OptionType,
  validateAutocompleteData,
  validateModalData,
} from './interaction.ts';
export { ComponentType, LIMITS, MessageFlag, SELECT_TYPES } from './limits.ts';
export {
  allowedMentionsPolicy,
  collectComponents,
  embedCharacters,
  isEmptyMessage,
  urlPolicy,
  validateMessageBody,
} from './message.ts';
