// Runs the shipped Zabbix webhook script (integrations/zabbix/switchboard.js) the way Zabbix does:
// as the body of a function with `value` (the media type parameters as JSON), an `HttpRequest` class
// and `Zabbix.log`. Duktape's HttpRequest is synchronous, so the stub records each request and answers
// it from a canned response; a test then feeds the recorded body to the router (parseZabbix, or the
// real HTTP endpoint).
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { parse as parseYaml } from 'yaml';

const INTEGRATION_DIR = new URL('../../../integrations/zabbix/', import.meta.url);

export const shippedScript = (): string => readFileSync(new URL('switchboard.js', INTEGRATION_DIR), 'utf8');

export interface MediaTypeParameter {
  name: string;
  value?: string;
}

export interface MediaTypeExport {
  zabbix_export: {
    version: string;
    media_types: {
      name: string;
      type: string;
      parameters: MediaTypeParameter[];
      script: string;
      message_templates: { event_source: string; operation_mode: string; subject: string; message: string }[];
    }[];
  };
}

export const shippedMediaType = (): MediaTypeExport =>
  parseYaml(readFileSync(new URL('switchboard_mediatype.yaml', INTEGRATION_DIR), 'utf8')) as MediaTypeExport;

/**
 * The media type's parameters with macros expanded as Zabbix would: a built-in macro takes the value
 * Zabbix put under the same parameter name in a captured message (`captured`), user macros take
 * `userMacros`; a macro with no value stays literal, exactly as Zabbix leaves a macro it cannot fill.
 */
export function expandParameters(
  captured: Record<string, unknown>,
  userMacros: Record<string, string>,
): Record<string, string> {
  const params: Record<string, string> = {};
  for (const { name, value = '' } of shippedMediaType().zabbix_export.media_types[0]?.parameters ?? []) {
    const user = userMacros[value];
    const fromCapture = captured[name];
    if (user !== undefined) params[name] = user;
    else if (/^\{[A-Z.]+\}$/.test(value) && typeof fromCapture === 'string') params[name] = fromCapture;
    else params[name] = value;
  }
  return params;
}

export interface RecordedRequest {
  method: 'POST';
  url: string;
  headers: string[];
  body: string;
}

export interface WebhookRun {
  /** What the script returned, when it did not throw. */
  returned?: unknown;
  /** What it threw (Zabbix shows it as the alert's error and retries). */
  thrown?: unknown;
  requests: RecordedRequest[];
  logs: { level: number; message: string }[];
  proxy?: string;
}

/** Runs the shipped script with `params`, answering every POST with `status` and `responseBody`. */
export function runWebhook(params: Record<string, string>, status = 202, responseBody = '{"accepted":1}'): WebhookRun {
  const run: WebhookRun = { requests: [], logs: [] };
  class HttpRequest {
    private headers: string[] = [];
    private status = 0;
    addHeader(header: string): void {
      this.headers.push(header);
    }
    setProxy(proxy: string): void {
      run.proxy = proxy;
    }
    post(url: string, body: string): string {
      run.requests.push({ method: 'POST', url, headers: [...this.headers], body });
      this.status = status;
      return responseBody;
    }
    getStatus(): number {
      return this.status;
    }
  }
  const Zabbix = { log: (level: number, message: string) => run.logs.push({ level, message }) };
  const context = vm.createContext({ value: JSON.stringify(params), HttpRequest, Zabbix });
  // Zabbix compiles the script as a function body, which is what makes its top-level `return` legal.
  const script = new vm.Script(`(function () {\n${shippedScript()}\n})()`, { filename: 'switchboard.js' });
  try {
    run.returned = script.runInContext(context, { timeout: 1000 });
  } catch (error) {
    run.thrown = error;
  }
  return run;
}
