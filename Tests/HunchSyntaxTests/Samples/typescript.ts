// Typed configuration loading with defaults.
export interface ServerConfig {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
}

export type Partial2<T> = { [K in keyof T]?: T[K] };

enum LogLevel {
  Debug,
  Info,
  Warn,
}

const defaults: ServerConfig = { host: "127.0.0.1", port: 8080 };

export class ConfigError extends Error {
  constructor(public readonly key: string, message: string) {
    super(`${key}: ${message}`);
  }
}

export function mergeConfig(base: ServerConfig, override: Partial2<ServerConfig>): ServerConfig {
  const merged = { ...base, ...override } as ServerConfig;
  if (merged.port <= 0 || merged.port > 65535) {
    throw new ConfigError("port", "out of range");
  }
  return merged;
}

export abstract class Loader<T> {
  abstract read(path: string): Promise<string>;

  async load(path: string, parse: (text: string) => T): Promise<T> {
    const text = await this.read(path);
    return parse(text);
  }
}

export const level: LogLevel = LogLevel.Info;
export const config = mergeConfig(defaults, { port: 9000 });
