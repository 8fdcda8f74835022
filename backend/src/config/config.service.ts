import { Injectable } from '@nestjs/common';
import { Env, parseEnv } from './env.schema';

/** Typed, validated configuration; the only reader of process.env. */
@Injectable()
export class ConfigService {
  private readonly env: Env;

  constructor(source: Record<string, string | undefined> = process.env) {
    this.env = parseEnv(source);
  }

  get<K extends keyof Env>(key: K): Env[K] {
    return this.env[key];
  }
}
