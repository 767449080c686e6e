import { ApplicationCommandOptionType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { commands } from '../commands/index.ts';

type Option = {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: unknown[];
  options?: Option[];
};

function checkOptions(options: Option[] | undefined, path: string, problems: string[]): void {
  if (!options) return;
  if (options.length > 25) problems.push(`${path}: more than 25 options`);
  let optionalSeen = false;
  for (const option of options) {
    const where = `${path} ${option.name}`;
    if (!/^[-_\p{Ll}\p{N}]{1,32}$/u.test(option.name))
      problems.push(`${where}: name must be 1–32 lower-case characters`);
    if (option.description.length < 1 || option.description.length > 100)
      problems.push(`${where}: description 1–100`);
    if (option.required && optionalSeen) problems.push(`${where}: required option after an optional one`);
    if (!option.required) optionalSeen = true;
    if (option.autocomplete && option.choices) problems.push(`${where}: autocomplete and choices together`);
    if ((option.choices?.length ?? 0) > 25) problems.push(`${where}: more than 25 choices`);
    const nested =
      option.type === ApplicationCommandOptionType.Subcommand ||
      option.type === ApplicationCommandOptionType.SubcommandGroup;
    if (nested) checkOptions(option.options, where, problems);
  }
}

describe('command registry', () => {
  it('GIVEN every registered command THEN it follows Discord’s rules for names, descriptions and options', () => {
    const problems: string[] = [];
    for (const command of commands) {
      const { name, description, options } = command.data;
      if (!/^[-_\p{Ll}\p{N}]{1,32}$/u.test(name))
        problems.push(`${name}: name must be 1–32 lower-case characters`);
      if (description.length < 1 || description.length > 100) problems.push(`${name}: description 1–100`);
      checkOptions(options as Option[] | undefined, name, problems);
    }
    expect(problems).toEqual([]);
  });

  it('GIVEN the registry THEN names are unique and every command has a handler', () => {
    const names = commands.map((command) => command.data.name);
    expect(new Set(names).size).toBe(names.length);
    for (const command of commands) expect(typeof command.execute).toBe('function');
  });

  it('GIVEN an option marked autocomplete THEN its command implements autocomplete', () => {
    const walk = (options: Option[] | undefined): boolean =>
      (options ?? []).some((option) => option.autocomplete || walk(option.options));
    for (const command of commands) {
      if (walk(command.data.options as Option[] | undefined))
        expect(command.autocomplete, command.data.name).toBeTypeOf('function');
    }
  });

  it('GIVEN the product’s command names THEN they are exactly those documented', () => {
    expect(commands.map((command) => command.data.name)).toEqual(
      expect.arrayContaining(['search', 'topic', 'topics', 'related', 'trending', 'digest', 'help']),
    );
  });
});
