import { charLength, checkUrl, type Issue, Issues, isRecord, type JsonObject, messages } from './common.ts';
import { ComponentType, LIMITS, MessageFlag, SELECT_TYPES } from './limits.ts';

/**
 * Validates the shape and Discord limits of a message payload (channel message, interaction response data,
 * follow-up or edit). Fields that are absent are not required: the empty-message rule is separate
 * ({@link isEmptyMessage}) because edits are checked against the merged result.
 */
export function validateMessageBody(body: unknown): Issue[] {
  const issues = new Issues();
  if (!isRecord(body)) {
    issues.add([], 'MODEL_TYPE_CONVERT', messages.object);
    return issues.list;
  }
  const flags = issues.optionalInteger(['flags'], body.flags, 0, 2 ** 31 - 1) ?? 0;
  const v2 = (flags & MessageFlag.IsComponentsV2) !== 0;

  if (body.content !== undefined && body.content !== null) {
    issues.optionalString(['content'], body.content, LIMITS.content);
    if (v2 && typeof body.content === 'string' && body.content.length > 0) {
      issues.add(
        ['content'],
        'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2',
        'The "content" field cannot be used when using MessageFlags.IS_COMPONENTS_V2',
      );
    }
  }
  issues.optionalBoolean(['tts'], body.tts);
  validateNonce(issues, body);
  validateEmbeds(issues, body.embeds);
  if (v2 && Array.isArray(body.embeds) && body.embeds.length > 0) {
    issues.add(
      ['embeds'],
      'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2',
      'The "embeds" field cannot be used when using MessageFlags.IS_COMPONENTS_V2',
    );
  }
  validateAllowedMentions(issues, body.allowed_mentions);
  if (v2) validateComponentsV2(issues, body.components);
  else validateActionRows(issues, body.components);
  issues.optionalArray(['sticker_ids'], body.sticker_ids, LIMITS.stickers);
  const attachments = issues.optionalArray(['attachments'], body.attachments, LIMITS.files);
  attachments?.forEach((a, i) => {
    const att = issues.object(['attachments', i], a);
    if (att) issues.optionalString(['attachments', i, 'description'], att.description, 1024);
  });
  if (body.message_reference !== undefined && body.message_reference !== null) {
    issues.object(['message_reference'], body.message_reference);
  }
  return issues.list;
}

function validateNonce(issues: Issues, body: JsonObject): void {
  const { nonce } = body;
  if (nonce !== undefined && nonce !== null) {
    if (typeof nonce === 'string') {
      if (charLength(nonce) > LIMITS.nonce)
        issues.add(['nonce'], 'BASE_TYPE_MAX_LENGTH', messages.maxLength(LIMITS.nonce));
    } else if (typeof nonce !== 'number' || !Number.isInteger(nonce)) {
      issues.add(['nonce'], 'BASE_TYPE_CONVERT', 'Nonce must be an integer or a string.');
    }
  }
  issues.optionalBoolean(['enforce_nonce'], body.enforce_nonce);
  if (body.enforce_nonce === true && (nonce === undefined || nonce === null)) {
    issues.add(['nonce'], 'BASE_TYPE_REQUIRED', 'A nonce is required when enforce_nonce is true.');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Embeds

/** Characters counted towards the 6000 limit: title, description, field names/values, footer text, author. */
export function embedCharacters(embed: unknown): number {
  if (!isRecord(embed)) return 0;
  let total = 0;
  const add = (v: unknown) => {
    if (typeof v === 'string') total += charLength(v);
  };
  add(embed.title);
  add(embed.description);
  if (isRecord(embed.footer)) add(embed.footer.text);
  if (isRecord(embed.author)) add(embed.author.name);
  if (Array.isArray(embed.fields)) {
    for (const f of embed.fields) {
      if (isRecord(f)) {
        add(f.name);
        add(f.value);
      }
    }
  }
  return total;
}

function validateEmbeds(issues: Issues, value: unknown): void {
  const embeds = issues.optionalArray(['embeds'], value, LIMITS.embedsPerMessage);
  if (!embeds) return;
  let total = 0;
  embeds.forEach((raw, i) => {
    const path = ['embeds', i];
    const embed = issues.object(path, raw);
    if (!embed) return;
    total += embedCharacters(embed);
    issues.optionalString([...path, 'title'], embed.title, LIMITS.embedTitle);
    issues.optionalString([...path, 'description'], embed.description, LIMITS.embedDescription);
    checkUrl(issues, [...path, 'url'], embed.url, 'link');
    if (embed.timestamp !== undefined && embed.timestamp !== null) {
      if (typeof embed.timestamp !== 'string' || Number.isNaN(Date.parse(embed.timestamp))) {
        issues.add(
          [...path, 'timestamp'],
          'DATE_TIME_TYPE_PARSE',
          'Could not parse timestamp. Should be ISO8601.',
        );
      }
    }
    issues.optionalInteger([...path, 'color'], embed.color, 0, 0xffffff);
    if (embed.footer !== undefined && embed.footer !== null) {
      const footer = issues.object([...path, 'footer'], embed.footer);
      if (footer) {
        issues.requiredString([...path, 'footer', 'text'], footer.text, 1, LIMITS.embedFooterText);
        checkUrl(issues, [...path, 'footer', 'icon_url'], footer.icon_url, 'image');
      }
    }
    if (embed.author !== undefined && embed.author !== null) {
      const author = issues.object([...path, 'author'], embed.author);
      if (author) {
        issues.requiredString([...path, 'author', 'name'], author.name, 1, LIMITS.embedAuthorName);
        checkUrl(issues, [...path, 'author', 'url'], author.url, 'link');
        checkUrl(issues, [...path, 'author', 'icon_url'], author.icon_url, 'image');
      }
    }
    for (const key of ['image', 'thumbnail'] as const) {
      if (embed[key] === undefined || embed[key] === null) continue;
      const media = issues.object([...path, key], embed[key]);
      if (!media) continue;
      if (media.url === undefined || media.url === null || media.url === '') {
        issues.add([...path, key, 'url'], 'BASE_TYPE_REQUIRED', messages.required);
      } else {
        checkUrl(issues, [...path, key, 'url'], media.url, 'image');
      }
    }
    const fields = issues.optionalArray([...path, 'fields'], embed.fields, LIMITS.embedFields);
    fields?.forEach((rawField, j) => {
      const fpath = [...path, 'fields', j];
      const field = issues.object(fpath, rawField);
      if (!field) return;
      issues.requiredString([...fpath, 'name'], field.name, 1, LIMITS.embedFieldName);
      issues.requiredString([...fpath, 'value'], field.value, 1, LIMITS.embedFieldValue);
      issues.optionalBoolean([...fpath, 'inline'], field.inline);
    });
    const hasAnything =
      ['title', 'description', 'url', 'image', 'thumbnail', 'author', 'footer', 'timestamp'].some(
        (k) => embed[k] !== undefined && embed[k] !== null && embed[k] !== '',
      ) ||
      (Array.isArray(embed.fields) && embed.fields.length > 0);
    if (!hasAnything) {
      issues.add(
        [...path, 'description'],
        'BASE_TYPE_REQUIRED',
        'Embed must have at least one of title, description, fields, image, thumbnail, author or footer',
      );
    }
  });
  if (total > LIMITS.embedTotal) {
    issues.add(['embeds'], 'BASE_TYPE_MAX_LENGTH', `Embed size exceeds maximum size of ${LIMITS.embedTotal}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Allowed mentions

function validateAllowedMentions(issues: Issues, value: unknown): void {
  if (value === undefined || value === null) return;
  const am = issues.object(['allowed_mentions'], value);
  if (!am) return;
  const parse = issues.optionalArray(['allowed_mentions', 'parse'], am.parse, 3);
  parse?.forEach((p, i) => {
    if (p !== 'roles' && p !== 'users' && p !== 'everyone') {
      issues.add(
        ['allowed_mentions', 'parse', i],
        'BASE_TYPE_CHOICES',
        "Value must be one of {'roles', 'users', 'everyone'}.",
      );
    }
  });
  for (const key of ['roles', 'users'] as const) {
    const ids = issues.optionalArray(['allowed_mentions', key], am[key], LIMITS.allowedMentionIds);
    ids?.forEach((id, i) => {
      if (typeof id !== 'string' || !/^\d{1,20}$/.test(id)) {
        issues.add(
          ['allowed_mentions', key, i],
          'NUMBER_TYPE_COERCE',
          `Value "${String(id)}" is not snowflake.`,
        );
      }
    });
    if (parse?.includes(key) && ids && ids.length > 0) {
      issues.add(
        ['allowed_mentions', key],
        'ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        `parse:["${key}"] and ${key}: [ids...] are mutually exclusive.`,
      );
    }
  }
  issues.optionalBoolean(['allowed_mentions', 'replied_user'], am.replied_user);
}

// ---------------------------------------------------------------------------------------------------------
// Components (classic action rows)

interface CustomIdRegistry {
  seen: Set<string>;
}

function checkCustomId(
  issues: Issues,
  path: Array<string | number>,
  value: unknown,
  ids: CustomIdRegistry,
): void {
  const id = issues.requiredString([...path, 'custom_id'], value, 1, LIMITS.customId);
  if (id === undefined) return;
  if (ids.seen.has(id)) {
    issues.add(
      [...path, 'custom_id'],
      'COMPONENT_CUSTOM_ID_DUPLICATED',
      'Component custom id cannot be duplicated',
    );
  }
  ids.seen.add(id);
}

function validateButton(
  issues: Issues,
  path: Array<string | number>,
  button: JsonObject,
  ids: CustomIdRegistry,
): void {
  const style = issues.optionalInteger([...path, 'style'], button.style, 1, 6);
  if (button.style === undefined) issues.add([...path, 'style'], 'BASE_TYPE_REQUIRED', messages.required);
  issues.optionalString([...path, 'label'], button.label, LIMITS.buttonLabel);
  issues.optionalBoolean([...path, 'disabled'], button.disabled);
  if (style === 5) {
    if (button.custom_id !== undefined && button.custom_id !== null) {
      issues.add(
        [...path, 'custom_id'],
        'BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED',
        'A link button cannot have a custom_id',
      );
    }
    if (typeof button.url !== 'string' || button.url === '') {
      issues.add([...path, 'url'], 'BUTTON_COMPONENT_URL_REQUIRED', 'A link button requires an url');
    } else if (charLength(button.url) > LIMITS.buttonUrl) {
      issues.add([...path, 'url'], 'BASE_TYPE_MAX_LENGTH', messages.maxLength(LIMITS.buttonUrl));
    } else {
      let scheme = '';
      try {
        scheme = new URL(button.url).protocol.replace(/:$/, '');
      } catch {
        issues.add([...path, 'url'], 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
      }
      if (scheme && !['http', 'https', 'discord'].includes(scheme)) {
        issues.add(
          [...path, 'url'],
          'URL_TYPE_INVALID_SCHEME',
          `Scheme "${scheme}" is not supported. Scheme must be one of ('http', 'https', 'discord').`,
        );
      }
    }
  } else if (style === 6) {
    if (typeof button.sku_id !== 'string')
      issues.add([...path, 'sku_id'], 'BASE_TYPE_REQUIRED', messages.required);
  } else if (style !== undefined) {
    if (button.url !== undefined && button.url !== null) {
      issues.add([...path, 'url'], 'BUTTON_COMPONENT_URL_NOT_ALLOWED', 'Only link buttons can have an url');
    }
    checkCustomId(issues, path, button.custom_id, ids);
  }
  if (
    style !== 6 &&
    (button.label === undefined || button.label === null || button.label === '') &&
    !button.emoji
  ) {
    issues.add(
      [...path, 'label'],
      'BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED',
      'A button must have a label or an emoji',
    );
  }
}

function validateSelect(
  issues: Issues,
  path: Array<string | number>,
  select: JsonObject,
  ids: CustomIdRegistry,
): void {
  checkCustomId(issues, path, select.custom_id, ids);
  issues.optionalString([...path, 'placeholder'], select.placeholder, LIMITS.selectPlaceholder);
  const minValues = issues.optionalInteger([...path, 'min_values'], select.min_values, 0, 25) ?? 1;
  const maxValues = issues.optionalInteger([...path, 'max_values'], select.max_values, 1, 25) ?? 1;
  if (minValues > maxValues) {
    issues.add(
      [...path, 'min_values'],
      'SELECT_COMPONENT_MIN_GREATER_THAN_MAX',
      'min_values must be less than or equal to max_values',
    );
  }
  if (select.type === ComponentType.StringSelect) {
    const options = issues.optionalArray([...path, 'options'], select.options, LIMITS.selectOptions, 1);
    if (!options) {
      issues.add([...path, 'options'], 'BASE_TYPE_REQUIRED', messages.required);
      return;
    }
    const values = new Set<string>();
    let defaults = 0;
    options.forEach((raw, i) => {
      const opath = [...path, 'options', i];
      const option = issues.object(opath, raw);
      if (!option) return;
      issues.requiredString([...opath, 'label'], option.label, 1, LIMITS.selectOptionText);
      const value = issues.requiredString([...opath, 'value'], option.value, 1, LIMITS.selectOptionText);
      issues.optionalString([...opath, 'description'], option.description, LIMITS.selectOptionText);
      if (option.default === true) defaults++;
      if (value !== undefined) {
        if (values.has(value)) {
          issues.add(
            [...opath, 'value'],
            'SELECT_COMPONENT_OPTION_VALUE_DUPLICATED',
            'Select option values must be unique',
          );
        }
        values.add(value);
      }
    });
    if (maxValues > options.length) {
      issues.add(
        [...path, 'max_values'],
        'SELECT_COMPONENT_MAX_VALUES_TOO_LARGE',
        `max_values must be less than or equal to the number of options (${options.length})`,
      );
    }
    if (defaults > maxValues) {
      issues.add(
        [...path, 'options'],
        'SELECT_COMPONENT_TOO_MANY_DEFAULT_VALUES',
        'Too many default options',
      );
    }
  } else {
    if (select.options !== undefined) {
      issues.add(
        [...path, 'options'],
        'SELECT_COMPONENT_OPTIONS_NOT_ALLOWED',
        'Only string selects can have options',
      );
    }
    const defaults = issues.optionalArray([...path, 'default_values'], select.default_values, maxValues);
    defaults?.forEach((raw, i) => {
      const d = issues.object([...path, 'default_values', i], raw);
      if (d && typeof d.id !== 'string')
        issues.add([...path, 'default_values', i, 'id'], 'BASE_TYPE_REQUIRED', messages.required);
    });
  }
}

function validateInteractive(
  issues: Issues,
  path: Array<string | number>,
  raw: unknown,
  ids: CustomIdRegistry,
): JsonObject | undefined {
  const component = issues.object(path, raw);
  if (!component) return undefined;
  if (component.type === ComponentType.Button) validateButton(issues, path, component, ids);
  else if (typeof component.type === 'number' && SELECT_TYPES.has(component.type))
    validateSelect(issues, path, component, ids);
  else
    issues.add(
      [...path, 'type'],
      'COMPONENT_TYPE_INVALID',
      `Component type ${String(component.type)} is not allowed in a message action row`,
    );
  return component;
}

function validateActionRow(
  issues: Issues,
  path: Array<string | number>,
  row: JsonObject,
  ids: CustomIdRegistry,
): void {
  const children = issues.optionalArray([...path, 'components'], row.components, LIMITS.componentsPerRow, 1);
  if (!children) {
    issues.add([...path, 'components'], 'BASE_TYPE_REQUIRED', messages.required);
    return;
  }
  let selects = 0;
  children.forEach((child, j) => {
    const c = validateInteractive(issues, [...path, 'components', j], child, ids);
    if (c && typeof c.type === 'number' && SELECT_TYPES.has(c.type)) selects++;
  });
  if (selects > 0 && children.length > 1) {
    issues.add(
      [...path, 'components'],
      'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
      'The specified component exceeds the maximum width',
    );
  }
}

function validateActionRows(issues: Issues, value: unknown): void {
  const rows = issues.optionalArray(['components'], value, LIMITS.actionRows);
  if (!rows) return;
  const ids: CustomIdRegistry = { seen: new Set() };
  rows.forEach((raw, i) => {
    const path = ['components', i];
    const row = issues.object(path, raw);
    if (!row) return;
    if (row.type !== ComponentType.ActionRow) {
      issues.add(
        [...path, 'type'],
        'COMPONENT_TYPE_INVALID',
        'Top-level components must be action rows unless IS_COMPONENTS_V2 is set',
      );
      return;
    }
    validateActionRow(issues, path, row, ids);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Components V2 (flag 1 << 15): a light structural check plus the global limits.

function validateComponentsV2(issues: Issues, value: unknown): void {
  const top = issues.optionalArray(['components'], value, LIMITS.componentsV2Total, 1);
  if (!top) return;
  const ids: CustomIdRegistry = { seen: new Set() };
  let count = 0;
  let text = 0;
  const walk = (raw: unknown, path: Array<string | number>, depth: number) => {
    const c = issues.object(path, raw);
    if (!c) return;
    count++;
    switch (c.type) {
      case ComponentType.ActionRow:
        validateActionRow(issues, path, c, ids);
        count += Array.isArray(c.components) ? c.components.length : 0;
        return;
      case ComponentType.TextDisplay: {
        const content = issues.requiredString([...path, 'content'], c.content, 1, LIMITS.textDisplayTotal);
        if (content) text += charLength(content);
        return;
      }
      case ComponentType.Section:
      case ComponentType.Container: {
        if (depth > 1)
          issues.add([...path, 'type'], 'COMPONENT_NESTING_TOO_DEEP', 'Component nested too deeply');
        const children = issues.optionalArray([...path, 'components'], c.components, 10, 1);
        children?.forEach((child, i) => walk(child, [...path, 'components', i], depth + 1));
        if (c.type === ComponentType.Section) {
          if (c.accessory === undefined)
            issues.add([...path, 'accessory'], 'BASE_TYPE_REQUIRED', messages.required);
          else if (isRecord(c.accessory) && c.accessory.type === ComponentType.Button) {
            count++;
            validateButton(issues, [...path, 'accessory'], c.accessory, ids);
          } else if (isRecord(c.accessory) && c.accessory.type === ComponentType.Thumbnail) {
            count++;
          }
        }
        return;
      }
      case ComponentType.Thumbnail:
      case ComponentType.MediaGallery:
      case ComponentType.File:
      case ComponentType.Separator:
        return;
      default:
        issues.add(
          [...path, 'type'],
          'COMPONENT_TYPE_INVALID',
          `Component type ${String(c.type)} is not allowed here`,
        );
    }
  };
  top.forEach((raw, i) => walk(raw, ['components', i], 0));
  if (count > LIMITS.componentsV2Total) {
    issues.add(
      ['components'],
      'COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED',
      `Total number of components must be ${LIMITS.componentsV2Total} or fewer`,
    );
  }
  if (text > LIMITS.textDisplayTotal) {
    issues.add(
      ['components'],
      'BASE_TYPE_MAX_LENGTH',
      `Total text display content must be ${LIMITS.textDisplayTotal} or fewer in length.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Whole-message rules

/** Discord's 50006: nothing to show (blank content, no embeds, components, stickers, poll or files). */
export function isEmptyMessage(message: JsonObject, fileCount: number): boolean {
  const content = typeof message.content === 'string' ? message.content.trim() : '';
  const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;
  return (
    content === '' &&
    !nonEmpty(message.embeds) &&
    !nonEmpty(message.components) &&
    !nonEmpty(message.sticker_ids) &&
    !nonEmpty(message.attachments) &&
    !isRecord(message.poll) &&
    fileCount === 0
  );
}

/**
 * Product rule `requireNoMentions`: every message must carry `allowed_mentions` with `parse: []`, or list
 * the exact `roles` it is allowed to ping. Returns the reason when the rule is broken.
 */
export function allowedMentionsPolicy(body: JsonObject): string | null {
  const am = body.allowed_mentions;
  if (!isRecord(am)) return 'message sent without allowed_mentions (requireNoMentions)';
  if (Array.isArray(am.parse) && am.parse.length === 0) return null;
  if (am.parse === undefined && Array.isArray(am.roles) && am.roles.length > 0) return null;
  return `allowed_mentions.parse must be an empty array (got ${JSON.stringify(am.parse)}) (requireNoMentions)`;
}

/** Product rule `strictUrls`: embed `url` fields longer than 512 characters. */
export function urlPolicy(body: JsonObject): string[] {
  if (!Array.isArray(body.embeds)) return [];
  const found: string[] = [];
  body.embeds.forEach((embed, i) => {
    if (isRecord(embed) && typeof embed.url === 'string' && charLength(embed.url) > LIMITS.productUrl) {
      found.push(
        `embeds.${i}.url is ${charLength(embed.url)} characters (> ${LIMITS.productUrl}, strictUrls)`,
      );
    }
  });
  return found;
}

/** All `custom_id`s of the message's components (recursing into rows, sections and containers). */
export function collectComponents(components: unknown): JsonObject[] {
  const out: JsonObject[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if (!isRecord(value)) return;
    out.push(value);
    if (value.components !== undefined) walk(value.components);
    if (value.accessory !== undefined) walk(value.accessory);
    if (value.component !== undefined) walk(value.component);
  };
  walk(components);
  return out;
}
