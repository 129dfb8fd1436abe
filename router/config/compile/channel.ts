import Handlebars from 'handlebars';
import type { ChannelConfig } from '../compiled.ts';
import { CHANNEL_TYPES, type ChannelSpec } from '../resources/index.ts';
import type { Checked, CompileContext } from './context.ts';

const CREDENTIAL_KEYS = {
  servicenow: ['username', 'password'],
  autotask: ['username', 'secret', 'integrationCode'],
  halopsa: ['clientId', 'clientSecret'],
} as const;

export function compileChannel(ctx: CompileContext, r: Checked<ChannelSpec>): ChannelConfig {
  const s = r.spec;
  const secrets: ChannelConfig['secrets'] = {};
  for (const other of CHANNEL_TYPES) {
    if (other !== s.type && s[other] !== undefined) {
      ctx.error(r, `spec.${other}`, `is set but spec.type is ${s.type}; remove it or change the type`);
    }
  }
  const settings = s[s.type] as Record<string, unknown> | undefined;
  if (!settings) {
    ctx.error(r, `spec.${s.type}`, `is required when spec.type is ${s.type}`);
  }
  if (s.type === 'webhook' && s.webhook?.secretRef) {
    const v = ctx.secret(r, 'spec.webhook.secretRef', s.webhook.secretRef);
    if (v !== null) secrets['webhook.secretRef'] = v;
  }
  for (const chat of ['slack', 'teams'] as const) {
    const ref = s.type === chat ? s[chat]?.webhookUrlSecretRef : undefined;
    if (!ref) continue;
    const url = ctx.secret(r, `spec.${chat}.webhookUrlSecretRef`, ref);
    if (url !== null && !/^https?:\/\//.test(url)) {
      ctx.error(
        r,
        `spec.${chat}.webhookUrlSecretRef`,
        `Secret "${ref.name}" key "${ref.key}" does not hold an http(s) URL`,
      );
    } else if (url !== null) secrets[`${chat}.webhookUrlSecretRef`] = url;
  }
  if (s.type === 'servicenow' || s.type === 'autotask' || s.type === 'halopsa') {
    const ref = s[s.type]?.credentialsSecretRef;
    if (ref) {
      const v = ctx.secretKeys(r, `spec.${s.type}.credentialsSecretRef`, ref.name, [...CREDENTIAL_KEYS[s.type]]);
      if (v !== null) secrets[`${s.type}.credentialsSecretRef`] = v;
    }
  }
  if (s.template !== undefined) {
    try {
      Handlebars.precompile(s.template, { strict: false });
    } catch (e) {
      ctx.error(r, 'spec.template', `is not a valid handlebars template: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { key: r.key, name: r.name, type: s.type, settings: settings ?? {}, secrets, template: s.template ?? null };
}
