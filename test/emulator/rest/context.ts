import type { Clock } from '../clock.ts';
import type { Gateway } from '../gateway.ts';
import type { UploadedFile } from '../http.ts';
import type { Interactions } from '../interactions.ts';
import type { Recorder } from '../recorder.ts';
import type { EmulatorState } from '../state.ts';
import type { EmulatorConfig } from '../types.ts';

/** Everything a route handler may touch. */
export interface RestContext {
  clock: Clock;
  recorder: Recorder;
  state: EmulatorState;
  gateway: Gateway;
  interactions: Interactions;
  config: () => EmulatorConfig;
  port: () => number;
}

export interface RestRequest {
  method: string;
  path: string;
  route: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: UploadedFile[];
  /** Set by interaction/webhook handlers so rejections are attributed to the interaction. */
  interactionId?: string;
}

export interface RestResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (ctx: RestContext, req: RestRequest) => RestResult | Promise<RestResult>;

export function ok(body: unknown, status = 200): RestResult {
  return { status, body };
}

export const noContent: RestResult = { status: 204 };

export function param(req: RestRequest, name: string): string {
  const value = req.params[name];
  if (value === undefined) throw new Error(`route ${req.route} has no :${name}`);
  return value;
}
