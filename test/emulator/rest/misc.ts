import { DiscordErrors } from '../errors.ts';
import type { Router } from '../http.ts';
import type { GuildRecord } from '../state.ts';
import { ok, param, type RestContext, type RestRequest, type RouteHandler } from './context.ts';

/** Discord recommends one shard per 1,000 guilds; a test may fix the number (`recommendedShards`). */
const gatewayBot: RouteHandler = (ctx) => {
  const config = ctx.config();
  return ok({
    url: ctx.gateway.gatewayUrl,
    shards: config.recommendedShards ?? Math.max(1, Math.ceil(ctx.state.guilds.size / 1000)),
    session_start_limit: {
      total: 1000,
      remaining: ctx.gateway.sessionStartRemaining,
      reset_after: 14_400_000,
      max_concurrency: config.maxConcurrency,
    },
  });
};

const gateway: RouteHandler = (ctx) => ok({ url: ctx.gateway.gatewayUrl });

function application(ctx: RestContext) {
  const { state } = ctx;
  return {
    id: state.application.id,
    name: state.application.name,
    icon: null,
    description: '',
    summary: '',
    type: null,
    hook: true,
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    team: null,
    owner: state.apiUser(state.users.get([...state.guilds.values()][0]?.ownerId ?? '') ?? state.bot),
    bot: state.apiUser(state.bot),
    approximate_guild_count: state.guilds.size,
    approximate_user_install_count: 0,
    redirect_uris: [],
    interactions_endpoint_url: null,
    role_connections_verification_url: null,
    integration_types_config: { '0': {} },
    event_webhooks_status: 1,
  };
}

function memberGuild(ctx: RestContext, req: RestRequest): GuildRecord {
  const id = param(req, 'guild_id');
  const guild = ctx.state.guilds.get(id);
  if (!guild) throw DiscordErrors.unknownGuild(`guild ${id} does not exist`);
  if (!guild.members.has(ctx.state.bot.id))
    throw DiscordErrors.missingAccess(`bot is not a member of guild ${id}`);
  return guild;
}

export function registerMiscRoutes(router: Router<RouteHandler>): void {
  router
    .add('GET', '/gateway/bot', gatewayBot)
    .add('GET', '/gateway', gateway, { auth: false })
    .add('GET', '/users/@me', (ctx) => ok(ctx.state.apiCurrentUser()))
    .add('GET', '/users/:user_id', (ctx, req) => {
      const user = ctx.state.users.get(param(req, 'user_id'));
      if (!user) throw DiscordErrors.unknownUser();
      return ok(ctx.state.apiUser(user));
    })
    .add('GET', '/applications/@me', (ctx) => ok(application(ctx)))
    .add('GET', '/oauth2/applications/@me', (ctx) => ok(application(ctx)))
    .add('GET', '/guilds/:guild_id', (ctx, req) => {
      const guild = memberGuild(ctx, req);
      return ok({
        ...ctx.state.apiGuild(guild),
        ...(req.query.get('with_counts') === 'true'
          ? { approximate_member_count: guild.members.size, approximate_presence_count: 0 }
          : {}),
      });
    })
    .add('GET', '/guilds/:guild_id/channels', (ctx, req) => {
      const guild = memberGuild(ctx, req);
      const channels = guild.channelIds.map((id) => ctx.state.liveChannel(id)).filter((c) => c !== undefined);
      return ok(channels.map((c) => ctx.state.apiChannel(c)));
    })
    .add('GET', '/guilds/:guild_id/roles', (ctx, req) =>
      ok([...memberGuild(ctx, req).roles.values()].map((r) => ctx.state.apiRole(r))),
    )
    .add('GET', '/guilds/:guild_id/members/:user_id', (ctx, req) => {
      const guild = memberGuild(ctx, req);
      const userId = param(req, 'user_id') === '@me' ? ctx.state.bot.id : param(req, 'user_id');
      const member = guild.members.get(userId);
      if (!member) throw DiscordErrors.unknownMember();
      return ok(ctx.state.apiMember(member));
    });
}
