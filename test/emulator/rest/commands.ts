import { DiscordErrors, invalidFormBody } from '../errors.ts';
import type { Router } from '../http.ts';
import { Issues } from '../validation/common.ts';
import { validateCommand, validateCommandList, type JsonObject } from '../validation/index.ts';
import { noContent, ok, param, type RestContext, type RestRequest, type RouteHandler } from './context.ts';

/** Resolves `:application_id` (must be ours) and optional `:guild_id` (bot must be in it). */
function scope(ctx: RestContext, req: RestRequest): string | null {
  const appId = param(req, 'application_id');
  if (appId !== ctx.state.application.id)
    throw DiscordErrors.missingAccess(`application ${appId} is not this bot's`);
  const guildId = req.params.guild_id;
  if (guildId === undefined) return null;
  const guild = ctx.state.guilds.get(guildId);
  if (!guild || !guild.members.has(ctx.state.bot.id))
    throw DiscordErrors.missingAccess(`bot is not in guild ${guildId}`);
  return guildId;
}

const list: RouteHandler = (ctx, req) =>
  ok([...ctx.state.commandsFor(scope(ctx, req)).values()].map((c) => c.data));

const overwrite: RouteHandler = (ctx, req) => {
  const guildId = scope(ctx, req);
  const issues = validateCommandList(req.body);
  if (issues.length) throw invalidFormBody(issues);
  const records = ctx.state.overwriteCommands(guildId, req.body as JsonObject[]);
  return ok(records.map((r) => r.data));
};

const create: RouteHandler = (ctx, req) => {
  const guildId = scope(ctx, req);
  const issues = new Issues();
  validateCommand(issues, [], req.body);
  if (issues.list.length) throw invalidFormBody(issues.list);
  const { record, created } = ctx.state.upsertCommand(guildId, req.body as JsonObject);
  return ok(record.data, created ? 201 : 200);
};

const getOne: RouteHandler = (ctx, req) => {
  const command = ctx.state.commandsFor(scope(ctx, req)).get(param(req, 'command_id'));
  if (!command) throw DiscordErrors.unknownCommand();
  return ok(command.data);
};

const remove: RouteHandler = (ctx, req) => {
  const map = ctx.state.commandsFor(scope(ctx, req));
  if (!map.delete(param(req, 'command_id'))) throw DiscordErrors.unknownCommand();
  return noContent;
};

export function registerCommandRoutes(router: Router<RouteHandler>): void {
  for (const base of [
    '/applications/:application_id/commands',
    '/applications/:application_id/guilds/:guild_id/commands',
  ]) {
    router
      .add('GET', base, list)
      .add('PUT', base, overwrite)
      .add('POST', base, create)
      .add('GET', `${base}/:command_id`, getOne)
      .add('DELETE', `${base}/:command_id`, remove);
  }
}
