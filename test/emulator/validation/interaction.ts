import { type Issue, Issues, isRecord, messages } from './common.ts';
import { ComponentType, LIMITS } from './limits.ts';

export const CallbackType = {
  Pong: 1,
  ChannelMessageWithSource: 4,
  DeferredChannelMessageWithSource: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  ApplicationCommandAutocompleteResult: 8,
  Modal: 9,
  PremiumRequired: 10,
  LaunchActivity: 12,
} as const;

export const InteractionType = {
  Ping: 1,
  ApplicationCommand: 2,
  MessageComponent: 3,
  ApplicationCommandAutocomplete: 4,
  ModalSubmit: 5,
} as const;

export const OptionType = {
  Subcommand: 1,
  SubcommandGroup: 2,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

/**
 * Which callback types Discord accepts for each interaction type. Autocomplete only takes type 8; commands
 * cannot use the "update message" types; modals cannot answer a modal.
 */
export function allowedCallbackTypes(interactionType: number, fromComponentMessage: boolean): number[] {
  switch (interactionType) {
    case InteractionType.ApplicationCommand:
      return [4, 5, 9];
    case InteractionType.MessageComponent:
      return [4, 5, 6, 7, 9];
    case InteractionType.ApplicationCommandAutocomplete:
      return [8];
    case InteractionType.ModalSubmit:
      return fromComponentMessage ? [4, 5, 6, 7] : [4, 5];
    default:
      return [1];
  }
}

/**
 * Autocomplete result (callback type 8): at most 25 choices, names 1-100 characters, values typed like the
 * focused option (string values 1-100 characters).
 */
export function validateAutocompleteData(data: unknown, optionType: number): Issue[] {
  const issues = new Issues();
  const obj = issues.object(['data'], data);
  if (!obj) return issues.list;
  const choices = issues.optionalArray(['data', 'choices'], obj.choices, LIMITS.autocompleteChoices);
  if (!choices) {
    issues.add(['data', 'choices'], 'BASE_TYPE_REQUIRED', messages.required);
    return issues.list;
  }
  choices.forEach((raw, i) => {
    const path = ['data', 'choices', i];
    const choice = issues.object(path, raw);
    if (!choice) return;
    issues.requiredString([...path, 'name'], choice.name, 1, LIMITS.choiceText);
    checkChoiceValue(issues, [...path, 'value'], choice.value, optionType);
  });
  return issues.list;
}

export function checkChoiceValue(
  issues: Issues,
  path: Array<string | number>,
  value: unknown,
  optionType: number,
): void {
  if (optionType === OptionType.Integer) {
    if (typeof value !== 'number' || !Number.isInteger(value))
      issues.add(path, 'NUMBER_TYPE_COERCE', messages.integer);
    else if (Math.abs(value) > 2 ** 53)
      issues.add(path, 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 2^53.');
  } else if (optionType === OptionType.Number) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      issues.add(path, 'NUMBER_TYPE_COERCE', 'Value is not float.');
  } else {
    issues.requiredString(path, value, 1, LIMITS.choiceText);
  }
}

/** Modal (callback type 9): custom_id, title 1-45, 1-5 rows/labels each holding one text input or select. */
export function validateModalData(data: unknown): Issue[] {
  const issues = new Issues();
  const obj = issues.object(['data'], data);
  if (!obj) return issues.list;
  issues.requiredString(['data', 'custom_id'], obj.custom_id, 1, LIMITS.customId);
  issues.requiredString(['data', 'title'], obj.title, 1, LIMITS.modalTitle);
  const components = issues.optionalArray(['data', 'components'], obj.components, LIMITS.modalComponents, 1);
  if (!components) {
    issues.add(['data', 'components'], 'BASE_TYPE_REQUIRED', messages.required);
    return issues.list;
  }
  const ids = new Set<string>();
  const checkInput = (raw: unknown, path: Array<string | number>, legacyLabel: boolean) => {
    const input = issues.object(path, raw);
    if (!input) return;
    const id = issues.requiredString([...path, 'custom_id'], input.custom_id, 1, LIMITS.customId);
    if (id !== undefined) {
      if (ids.has(id))
        issues.add(
          [...path, 'custom_id'],
          'COMPONENT_CUSTOM_ID_DUPLICATED',
          'Component custom id cannot be duplicated',
        );
      ids.add(id);
    }
    if (input.type !== ComponentType.TextInput) return;
    issues.optionalInteger([...path, 'style'], input.style, 1, 2);
    if (legacyLabel) issues.requiredString([...path, 'label'], input.label, 1, LIMITS.textInputLabel);
    else if (input.label !== undefined)
      issues.add([...path, 'label'], 'TEXT_INPUT_LABEL_NOT_ALLOWED', 'label belongs on the Label component');
    const min = issues.optionalInteger([...path, 'min_length'], input.min_length, 0, LIMITS.textInputValue);
    const max = issues.optionalInteger([...path, 'max_length'], input.max_length, 1, LIMITS.textInputValue);
    if (min !== undefined && max !== undefined && min > max) {
      issues.add(
        [...path, 'min_length'],
        'TEXT_INPUT_MIN_GREATER_THAN_MAX',
        'min_length must be less than or equal to max_length',
      );
    }
    issues.optionalString([...path, 'placeholder'], input.placeholder, 100);
    issues.optionalString([...path, 'value'], input.value, LIMITS.textInputValue);
  };
  components.forEach((raw, i) => {
    const path = ['data', 'components', i];
    const c = issues.object(path, raw);
    if (!c) return;
    if (c.type === ComponentType.ActionRow) {
      const children = issues.optionalArray([...path, 'components'], c.components, 1, 1);
      if (children?.[0] !== undefined) {
        if (isRecord(children[0]) && children[0].type !== ComponentType.TextInput) {
          issues.add(
            [...path, 'components', 0, 'type'],
            'COMPONENT_TYPE_INVALID',
            'Modal action rows may only hold a text input',
          );
        }
        checkInput(children[0], [...path, 'components', 0], true);
      }
    } else if (c.type === ComponentType.Label) {
      issues.requiredString([...path, 'label'], c.label, 1, LIMITS.textInputLabel);
      issues.optionalString([...path, 'description'], c.description, 100);
      if (c.component === undefined)
        issues.add([...path, 'component'], 'BASE_TYPE_REQUIRED', messages.required);
      else checkInput(c.component, [...path, 'component'], false);
    } else if (c.type !== ComponentType.TextDisplay) {
      issues.add(
        [...path, 'type'],
        'COMPONENT_TYPE_INVALID',
        `Component type ${String(c.type)} is not allowed in a modal`,
      );
    }
  });
  return issues.list;
}
