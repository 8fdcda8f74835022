import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { routeAccess, type RouteAccess } from '../../../../backend/src/modules/auth/access.guard';

export interface InventoryRoute {
  method: string;
  path: string;
  handler: string;
  access: RouteAccess;
  /** The classes the handler takes its whole body and query as (`@Body() dto: X`), when it names one. */
  body?: Type;
  query?: Type;
}

type Type = new (...args: unknown[]) => object;

const join = (...parts: string[]): string =>
  '/' +
  parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/');

/** Every route of every controller the Nest app registered, with what it declares about access. */
export function nestRoutes(app: INestApplication): InventoryRoute[] {
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const routes: InventoryRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: unknown[]) => object) | null;
      if (!controller) continue;
      const base = [(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined) ?? ''].flat();
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const own = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (method === undefined || own === undefined) continue;
        for (const prefix of base) {
          for (const path of [own].flat()) {
            routes.push({
              method: RequestMethod[method],
              path: join(prefix, path),
              handler: `${controller.name}.${name}`,
              access: routeAccess(reflector, handler, controller),
              ...inputTypes(controller, name),
            });
          }
        }
      }
    }
  }
  return routes;
}

/** The DTO classes of a handler's whole-body and whole-query parameters (not `@Query('name')` ones). */
function inputTypes(controller: Type, method: string): { body?: Type; query?: Type } {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    { index: number; data?: unknown }
  >;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, method) ?? []) as unknown[];
  const found: { body?: Type; query?: Type } = {};
  for (const [key, arg] of Object.entries(args)) {
    const kind = Number(key.split(':')[0]) as RouteParamtypes;
    const type = types[arg.index];
    // Object: a plain record the handler parses itself (list queries), no class to compare.
    if (arg.data !== undefined || typeof type !== 'function' || type === Object) continue;
    if (kind === RouteParamtypes.BODY) found.body = type as Type;
    if (kind === RouteParamtypes.QUERY) found.query = type as Type;
  }
  return found;
}

/** Routes Express knows (Nest's and anything registered on the adapter directly, e.g. Swagger UI). */
export function expressRoutes(app: INestApplication): { method: string; path: string }[] {
  const instance = app.getHttpAdapter().getInstance() as { router?: { stack: ExpressLayer[] } };
  const out: { method: string; path: string }[] = [];
  for (const layer of instance.router?.stack ?? []) {
    if (!layer.route) continue;
    for (const method of Object.keys(layer.route.methods))
      out.push({ method: method.toUpperCase(), path: String(layer.route.path) });
  }
  return out;
}

interface ExpressLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
}
