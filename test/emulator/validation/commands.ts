import { charLength, type Issue, Issues, isRecord, type JsonObject, messages } from './common.ts';
import { checkChoiceValue, OptionType } from './interaction.ts';
import { LIMITS } from './limits.ts';

/**
 * Discord's naming rule for CHAT_INPUT commands and every option name. Discord's current documentation also
 * allows the apostrophe; names must use the lowercase variant of any cased letter.
 */
export const COMMAND_NAME_PATTERN = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

export const CommandType = { ChatInput: 1, User: 2, Message: 3, PrimaryEntryPoint: 4 } as const;

const VALID_CHANNEL_TYPES = new Set([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16]);
const BASIC_OPTION_TYPES = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11]);
const CHOICE_TYPES = new Set<number>([OptionType.String, OptionType.Integer, OptionType.Number]);

function checkName(issues: Issues, path: Array<string | number>, value: unknown, chatInput: boolean): void {
  const name = issues.requiredString(path, value, 1, LIMITS.commandName);
  if (name === undefined || !chatInput) return;
  if (!COMMAND_NAME_PATTERN.test(name)) {
    issues.add(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  } else if (name.toLowerCase() !== name) {
    issues.add(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid: it must be lowercase');
  }
}

function checkLocalizations(
  issues: Issues,
  path: Array<string | number>,
  value: unknown,
  max: number,
  chatInputName: boolean,
): void {
  if (value === undefined || value === null) return;
  const map = issues.object(path, value);
  if (!map) return;
  for (const [locale, text] of Object.entries(map)) {
    if (chatInputName) checkName(issues, [...path, locale], text, true);
    else issues.requiredString([...path, locale], text, 1, max);
  }
}

/** Total characters Discord counts against the 4000 limit for one command. */
export function commandCharacters(cmd: unknown): number {
  if (!isRecord(cmd)) return 0;
  let total = 0;
  const add = (v: unknown) => {
    if (typeof v === 'string') total += charLength(v);
    else if (typeof v === 'number') total += String(v).length;
  };
  add(cmd.name);
  add(cmd.description);
  const walk = (options: unknown) => {
    if (!Array.isArray(options)) return;
    for (const o of options) {
      if (!isRecord(o)) continue;
      add(o.name);
      add(o.description);
      if (Array.isArray(o.choices)) {
        for (const c of o.choices) {
          if (isRecord(c)) {
            add(c.name);
            add(c.value);
          }
        }
      }
      walk(o.options);
    }
  };
  walk(cmd.options);
  return total;
}

function checkOptionList(
  issues: Issues,
  path: Array<string | number>,
  value: unknown,
  level: 'top' | 'group' | 'subcommand',
): void {
  const options = issues.optionalArray(path, value, LIMITS.commandOptions);
  if (!options) return;
  const names = new Set<string>();
  let seenOptional = false;
  let nested = 0;
  let basic = 0;
  options.forEach((raw, i) => {
    const opath = [...path, i];
    const option = issues.object(opath, raw);
    if (!option) return;
    const type = option.type;
    if (typeof type !== 'number' || !Number.isInteger(type) || type < 1 || type > 11) {
      issues.add(
        [...opath, 'type'],
        'BASE_TYPE_CHOICES',
        'Value must be one of (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11).',
      );
      return;
    }
    checkName(issues, [...opath, 'name'], option.name, true);
    if (typeof option.name === 'string') {
      if (names.has(option.name)) {
        issues.add(
          [...opath, 'name'],
          'APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS',
          'Option names must be unique',
        );
      }
      names.add(option.name);
    }
    checkLocalizations(
      issues,
      [...opath, 'name_localizations'],
      option.name_localizations,
      LIMITS.commandName,
      true,
    );
    issues.requiredString([...opath, 'description'], option.description, 1, LIMITS.commandDescription);
    checkLocalizations(
      issues,
      [...opath, 'description_localizations'],
      option.description_localizations,
      LIMITS.commandDescription,
      false,
    );
    issues.optionalBoolean([...opath, 'required'], option.required);
    issues.optionalBoolean([...opath, 'autocomplete'], option.autocomplete);

    const isNested = type === OptionType.Subcommand || type === OptionType.SubcommandGroup;
    if (isNested) nested++;
    else basic++;

    if (level === 'group' && type !== OptionType.Subcommand) {
      issues.add(
        [...opath, 'type'],
        'APPLICATION_COMMAND_OPTION_TYPE_INVALID',
        'Subcommand groups may only contain subcommands',
      );
    }
    if (level === 'subcommand' && isNested) {
      issues.add(
        [...opath, 'type'],
        'APPLICATION_COMMAND_OPTION_TYPE_INVALID',
        'Subcommands cannot contain subcommands or groups',
      );
    }
    if (isNested) {
      if (option.required === true) {
        issues.add(
          [...opath, 'required'],
          'APPLICATION_COMMAND_OPTION_REQUIRED_INVALID',
          'Subcommands and groups cannot be required',
        );
      }
      if (option.choices !== undefined || option.autocomplete === true) {
        issues.add(
          [...opath],
          'APPLICATION_COMMAND_OPTION_INVALID',
          'Subcommands and groups cannot have choices or autocomplete',
        );
      }
      checkOptionList(
        issues,
        [...opath, 'options'],
        option.options,
        type === OptionType.SubcommandGroup ? 'group' : 'subcommand',
      );
      if (
        type === OptionType.SubcommandGroup &&
        (!Array.isArray(option.options) || option.options.length === 0)
      ) {
        issues.add(
          [...opath, 'options'],
          'BASE_TYPE_REQUIRED',
          'Subcommand groups must contain at least one subcommand',
        );
      }
      return;
    }

    if (option.options !== undefined && option.options !== null) {
      issues.add(
        [...opath, 'options'],
        'APPLICATION_COMMAND_OPTION_INVALID',
        'Only subcommands and groups can have options',
      );
    }
    if (option.required === true) {
      if (seenOptional) {
        issues.add(
          [...opath, 'required'],
          'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
          'Required options must be placed before non-required options',
        );
      }
    } else {
      seenOptional = true;
    }

    const choices = option.choices;
    const hasChoices = Array.isArray(choices) && choices.length > 0;
    if (choices !== undefined && choices !== null) {
      if (!CHOICE_TYPES.has(type)) {
        issues.add(
          [...opath, 'choices'],
          'APPLICATION_COMMAND_OPTION_CHOICES_NOT_ALLOWED',
          'Only string, integer and number options can have choices',
        );
      }
      const list = issues.optionalArray([...opath, 'choices'], choices, LIMITS.commandChoices);
      const seen = new Set<string>();
      list?.forEach((rawChoice, j) => {
        const cpath = [...opath, 'choices', j];
        const choice = issues.object(cpath, rawChoice);
        if (!choice) return;
        issues.requiredString([...cpath, 'name'], choice.name, 1, LIMITS.choiceText);
        checkLocalizations(
          issues,
          [...cpath, 'name_localizations'],
          choice.name_localizations,
          LIMITS.choiceText,
          false,
        );
        checkChoiceValue(issues, [...cpath, 'value'], choice.value, type);
        const key = JSON.stringify(choice.value);
        if (seen.has(key))
          issues.add(
            [...cpath, 'value'],
            'APPLICATION_COMMAND_OPTION_CHOICE_DUPLICATED',
            'Choice values must be unique',
          );
        seen.add(key);
      });
    }
    if (option.autocomplete === true) {
      if (!CHOICE_TYPES.has(type)) {
        issues.add(
          [...opath, 'autocomplete'],
          'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_NOT_ALLOWED',
          'Only string, integer and number options can autocomplete',
        );
      }
      if (hasChoices) {
        issues.add(
          [...opath, 'autocomplete'],
          'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID',
          'Autocomplete cannot be set with choices',
        );
      }
    }
    if (option.channel_types !== undefined && option.channel_types !== null) {
      if (type !== OptionType.Channel) {
        issues.add(
          [...opath, 'channel_types'],
          'APPLICATION_COMMAND_OPTION_INVALID',
          'Only channel options can have channel_types',
        );
      }
      const list = issues.optionalArray([...opath, 'channel_types'], option.channel_types, 16);
      list?.forEach((t, j) => {
        if (typeof t !== 'number' || !VALID_CHANNEL_TYPES.has(t)) {
          issues.add(
            [...opath, 'channel_types', j],
            'BASE_TYPE_CHOICES',
            `Value ${String(t)} is not a valid channel type.`,
          );
        }
      });
    }
    const hasMinMax = option.min_value !== undefined || option.max_value !== undefined;
    if (hasMinMax) {
      if (type !== OptionType.Integer && type !== OptionType.Number) {
        issues.add(
          [...opath, 'min_value'],
          'APPLICATION_COMMAND_OPTION_INVALID',
          'Only integer and number options can have min_value/max_value',
        );
      }
      for (const key of ['min_value', 'max_value'] as const) {
        const v = option[key];
        if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
          issues.add([...opath, key], 'NUMBER_TYPE_COERCE', 'Value is not a number.');
        }
      }
      if (
        typeof option.min_value === 'number' &&
        typeof option.max_value === 'number' &&
        option.min_value > option.max_value
      ) {
        issues.add(
          [...opath, 'min_value'],
          'APPLICATION_COMMAND_OPTION_MIN_GREATER_THAN_MAX',
          'min_value must be less than or equal to max_value',
        );
      }
    }
    if (option.min_length !== undefined || option.max_length !== undefined) {
      if (type !== OptionType.String) {
        issues.add(
          [...opath, 'min_length'],
          'APPLICATION_COMMAND_OPTION_INVALID',
          'Only string options can have min_length/max_length',
        );
      }
      const min = issues.optionalInteger([...opath, 'min_length'], option.min_length, 0, 6000);
      const max = issues.optionalInteger([...opath, 'max_length'], option.max_length, 1, 6000);
      if (min !== undefined && max !== undefined && min > max) {
        issues.add(
          [...opath, 'min_length'],
          'APPLICATION_COMMAND_OPTION_MIN_GREATER_THAN_MAX',
          'min_length must be less than or equal to max_length',
        );
      }
    }
    if (!BASIC_OPTION_TYPES.has(type)) {
      issues.add([...opath, 'type'], 'APPLICATION_COMMAND_OPTION_TYPE_INVALID', 'Invalid option type');
    }
  });
  if (level === 'top' && nested > 0 && basic > 0) {
    issues.add(
      path,
      'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID',
      'Subcommands and groups cannot be mixed with other option types',
    );
  }
}

function checkIntegerList(
  issues: Issues,
  path: Array<string | number>,
  value: unknown,
  allowed: number[],
): void {
  if (value === undefined || value === null) return;
  const list = issues.optionalArray(path, value, allowed.length);
  list?.forEach((v, i) => {
    if (typeof v !== 'number' || !allowed.includes(v)) {
      issues.add([...path, i], 'BASE_TYPE_CHOICES', `Value must be one of (${allowed.join(', ')}).`);
    }
  });
}

/** Validates one application command (as sent to POST/PUT /applications/{id}/commands). */
export function validateCommand(
  issues: Issues,
  path: Array<string | number>,
  raw: unknown,
): JsonObject | undefined {
  const cmd = issues.object(path, raw);
  if (!cmd) return undefined;
  const type = cmd.type ?? CommandType.ChatInput;
  if (typeof type !== 'number' || ![1, 2, 3, 4].includes(type)) {
    issues.add([...path, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of (1, 2, 3, 4).');
    return cmd;
  }
  const chatInput = type === CommandType.ChatInput || type === CommandType.PrimaryEntryPoint;
  checkName(issues, [...path, 'name'], cmd.name, chatInput);
  checkLocalizations(
    issues,
    [...path, 'name_localizations'],
    cmd.name_localizations,
    LIMITS.commandName,
    chatInput,
  );
  if (type === CommandType.ChatInput) {
    issues.requiredString([...path, 'description'], cmd.description, 1, LIMITS.commandDescription);
    checkLocalizations(
      issues,
      [...path, 'description_localizations'],
      cmd.description_localizations,
      LIMITS.commandDescription,
      false,
    );
    checkOptionList(issues, [...path, 'options'], cmd.options, 'top');
  } else {
    if (
      typeof cmd.description === 'string' &&
      cmd.description !== '' &&
      type !== CommandType.PrimaryEntryPoint
    ) {
      issues.add(
        [...path, 'description'],
        'APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION',
        'Context menu commands cannot have a description',
      );
    }
    if (Array.isArray(cmd.options) && cmd.options.length > 0) {
      issues.add(
        [...path, 'options'],
        'APPLICATION_COMMAND_OPTIONS_NOT_ALLOWED',
        'Only CHAT_INPUT commands can have options',
      );
    }
  }
  const perms = cmd.default_member_permissions;
  if (perms !== undefined && perms !== null && (typeof perms !== 'string' || !/^\d{1,20}$/.test(perms))) {
    issues.add(
      [...path, 'default_member_permissions'],
      'NUMBER_TYPE_COERCE',
      'default_member_permissions must be a string of digits (a permission bitfield) or null',
    );
  }
  issues.optionalBoolean([...path, 'dm_permission'], cmd.dm_permission);
  issues.optionalBoolean([...path, 'nsfw'], cmd.nsfw);
  checkIntegerList(issues, [...path, 'contexts'], cmd.contexts, [0, 1, 2]);
  checkIntegerList(issues, [...path, 'integration_types'], cmd.integration_types, [0, 1]);
  if (cmd.handler !== undefined && cmd.handler !== null && type !== CommandType.PrimaryEntryPoint) {
    issues.add(
      [...path, 'handler'],
      'APPLICATION_COMMAND_HANDLER_NOT_ALLOWED',
      'handler is only valid for PRIMARY_ENTRY_POINT commands',
    );
  }
  const total = commandCharacters(cmd);
  if (total > LIMITS.commandTotalChars) {
    issues.add(
      path,
      'APPLICATION_COMMAND_TOO_LARGE',
      `Command exceeds maximum size (${LIMITS.commandTotalChars})`,
    );
  }
  return cmd;
}

/** Validates a bulk overwrite (PUT) body: each command plus uniqueness and per-type counts. */
export function validateCommandList(body: unknown): Issue[] {
  const issues = new Issues();
  if (!Array.isArray(body)) {
    issues.add([], 'LIST_TYPE_CONVERT', messages.array);
    return issues.list;
  }
  const seen = new Map<string, number>();
  const counts = new Map<number, number>();
  body.forEach((raw, i) => {
    const cmd = validateCommand(issues, [i], raw);
    if (!cmd) return;
    const type = typeof cmd.type === 'number' ? cmd.type : CommandType.ChatInput;
    counts.set(type, (counts.get(type) ?? 0) + 1);
    if (typeof cmd.name === 'string') {
      const key = `${type}:${cmd.name}`;
      if (seen.has(key))
        issues.add(
          [i, 'name'],
          'APPLICATION_COMMANDS_DUPLICATE_NAME',
          `Application command names must be unique (duplicate of ${seen.get(key)})`,
        );
      else seen.set(key, i);
    }
  });
  const chat = counts.get(CommandType.ChatInput) ?? 0;
  if (chat > LIMITS.globalChatInputCommands) {
    issues.add(
      [],
      'APPLICATION_COMMAND_TOO_MANY',
      `Maximum number of application commands reached (${LIMITS.globalChatInputCommands} CHAT_INPUT)`,
    );
  }
  for (const type of [CommandType.User, CommandType.Message]) {
    if ((counts.get(type) ?? 0) > LIMITS.contextMenuCommandsPerType) {
      issues.add(
        [],
        'APPLICATION_COMMAND_TOO_MANY',
        `Maximum number of type ${type} commands reached (${LIMITS.contextMenuCommandsPerType})`,
      );
    }
  }
  return issues.list;
}
