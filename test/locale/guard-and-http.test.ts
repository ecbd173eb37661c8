import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, OutcomeRejectedError, type StepUpCheck } from 'recycled-number-guard';
import {
  catalogue,
  decisionResponse,
  expressGuard,
  fastifyGuard,
  guardErrorResponse,
  localeFromAcceptLanguage,
  localizeDecision,
  outcomeResponse,
  renderReasonText,
} from 'recycled-number-guard/http';
import { runDemo } from '../../src/cli/demo/stories.js';
import { formatDemo } from '../../src/cli/commands/demo.js';
import { ACCOUNTS, ANDROID, testGuard } from '../adapters/helpers.js';

const CJK = /[\u3400-\u9fff]/u;

describe('Accept-Language', () => {
  it.each([
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-Hans-CN;q=0.7, en;q=0.3', 'zh-CN'],
    ['en-US,en;q=0.9,zh-CN;q=0.8', 'en'],
    ['fr-FR, zh;q=0.5', 'zh-CN'],
    ['fr-FR, de;q=0.5', 'en'],
    ['zh-TW', 'en'],
    ['zh-Hant-TW, zh-CN;q=0.4', 'zh-CN'],
    ['en;q=0.2, zh-CN;q=0.9', 'zh-CN'],
    ['zh-CN;q=0, *', 'en'],
    ['*', 'en'],
    ['', 'en'],
    [';;;,,q=,zh;q=abc', 'zh-CN'],
  ])('%j -> %s', (header, expected) => {
    expect(localeFromAcceptLanguage(header)).toBe(expected);
  });

  it('ties go to the earlier language, arrays of headers are joined, and the fallback is used when nothing matches', () => {
    expect(localeFromAcceptLanguage('en, zh')).toBe('en');
    expect(localeFromAcceptLanguage(['fr', 'zh-CN;q=0.5'])).toBe('zh-CN');
    expect(localeFromAcceptLanguage('fr', 'zh-CN')).toBe('zh-CN');
    expect(localeFromAcceptLanguage(undefined)).toBe('en');
  });
});

describe('the guard in zh-CN', () => {
  it('gives the same decision with its messages in Chinese; the English guard keeps its wording', async () => {
    const [zhDecision, enDecision] = await Promise.all([
      testGuard({ locale: 'zh-CN' }).assess({ ...ACCOUNTS.dormant, ip: '127.0.0.1', userAgent: ANDROID }),
      testGuard().assess({ ...ACCOUNTS.dormant, ip: '127.0.0.1', userAgent: ANDROID }),
    ]);
    expect(zhDecision.action).toBe(enDecision.action);
    expect(zhDecision.reasons.map((r) => [r.code, r.effect])).toEqual(enDecision.reasons.map((r) => [r.code, r.effect]));
    for (const reason of zhDecision.reasons) {
      expect(reason.message, reason.code).toMatch(CJK);
      expect(reason.message).toBe(renderReasonText(reason.template!, 'zh-CN'));
    }
    for (const reason of enDecision.reasons) expect(reason.message).toBe(renderReasonText(reason.template!, 'en'));
    expect(zhDecision.advice.steps.length).toBeGreaterThan(0);
    for (const step of zhDecision.advice.steps) expect(step).toMatch(CJK);
    expect(localizeDecision(zhDecision, 'en').reasons.map((r) => r.message)).toEqual(enDecision.reasons.map((r) => r.message));
    expect(localizeDecision(enDecision, 'en').advice.steps).toEqual(enDecision.advice.steps);
  });

  it("checkRecipient explains itself in the guard's language", async () => {
    const binding = { ...ACCOUNTS.dormant, purpose: 'debt_collection' as const };
    const [zh, en] = await Promise.all([testGuard({ locale: 'zh-CN' }).checkRecipient(binding), testGuard().checkRecipient(binding)]);
    expect(zh.send).toBe(en.send);
    expect(en.why).toMatch(/^not sending the debt collection: /);
    expect(zh.why).toMatch(/^不发送催收通知：/);
    for (const reason of zh.reasons) expect(reason.message).toMatch(CJK);
    for (const step of zh.advice?.steps ?? []) expect(step).toMatch(CJK);
  });

  it('rejects a locale it does not speak, naming the option', () => {
    expect(() => testGuard({ locale: 'fr' as 'en' })).toThrow(/locale/);
  });

  it('the demo prints in Chinese with --locale zh-CN and every message of its decisions is Chinese', async () => {
    const results = await runDemo('zh-CN');
    const table = formatDemo(results, 'zh-CN');
    expect(table.split('\n')[0]).toMatch(/^场景\s+决定\s+风险/);
    for (const line of table.split('\n').slice(2)) expect(line).toMatch(CJK);
    for (const { decisions } of results) {
      for (const { decision } of decisions) {
        for (const reason of decision.reasons) expect(reason.message, reason.code).toMatch(CJK);
        for (const step of decision.advice.steps) expect(step).toMatch(CJK);
      }
    }
  });
});

describe('HTTP bodies in the request language', () => {
  it('decisionResponse renders the line, the prompts, the advice and the debug reasons in the chosen locale', async () => {
    const decision = await testGuard().assess({ ...ACCOUNTS.dormant, ip: '127.0.0.1', userAgent: ANDROID });
    const zh = decisionResponse(decision, { locale: 'zh-CN', includeReasons: true });
    expect(zh.status).toBe(401);
    expect(zh.headers['content-language']).toBe('zh-CN');
    expect(zh.body.message).toBe(catalogue('zh-CN').decisionMessages.step_up);
    // A prompt for every check offered (a possible new holder: no password alone on a host with more).
    expect(Object.keys(zh.body.stepUp!.prompts).sort()).toEqual([...new Set(decision.stepUp!.anyOf.flat())].sort());
    for (const prompt of Object.values(zh.body.stepUp!.prompts)) expect(prompt).toMatch(CJK);
    expect(zh.body.advice.newHolderMessage).toMatch(CJK);
    for (const reason of zh.body.debug!.reasons) expect(reason.message).toMatch(CJK);
    for (const step of zh.body.debug!.steps) expect(step).toMatch(CJK);
    const en = decisionResponse(decision);
    expect(en.body.locale).toBe('en');
    expect(en.body.message).toBe(catalogue('en').decisionMessages.step_up);
    expect(en.body.stepUp!.prompts.face).toBe(catalogue('en').stepUpPrompts.face);
  });

  it('outcome and error answers carry a message in the locale', () => {
    const advice = { newHolder: 'offer_new_account', previousHolder: 'protect_account', steps: [] } as const;
    const outcome = outcomeResponse(
      { decisionId: 'dec_x', accountId: 'a', action: 'deny', satisfied: false, advice: { ...advice, steps: [] } },
      { locale: 'zh-CN' },
    );
    expect(outcome.body.message).toMatch(CJK);
    expect(outcome.body.advice!.previousHolderMessage).toMatch(CJK);
    const invalid = guardErrorResponse(new InvalidInputError([{ field: 'accountId', message: 'required' }]), { locale: 'zh-CN' })!;
    expect(invalid.body).toMatchObject({ error: 'invalid_input', locale: 'zh-CN', fields: ['accountId'] });
    expect(invalid.body.message).toMatch(CJK);
    const expired = guardErrorResponse(new OutcomeRejectedError('EXPIRED', 'dec_x', 'the step-up window has passed'), { locale: 'zh-CN' })!;
    expect(expired.body.message).toBe(catalogue('zh-CN').errors['step_up_rejected.EXPIRED']);
  });

  describe('Express and Fastify choose the locale from Accept-Language', () => {
    let server: Server;
    let expressBase: string;
    const fastify = Fastify();

    beforeAll(async () => {
      const guard = testGuard();
      const attempt = (req: object) =>
        (req as { body?: { who?: string } }).body?.who === 'dormant' ? ACCOUNTS.dormant : { accountId: '', phone: 'x', phoneBoundAt: 'never' };
      const app = express();
      app.use(express.json());
      app.post('/session', expressGuard(guard, { attempt }), (_req, res) => {
        res.json({ session: 'issued' });
      });
      app.post('/session-en', expressGuard(guard, { attempt, locale: 'en' }), (_req, res) => {
        res.json({ session: 'issued' });
      });
      server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      expressBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      fastify.post('/session', { preHandler: fastifyGuard(guard, { attempt: (request) => attempt(request) }) }, async () => ({ session: 'issued' }));
      await fastify.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fastify.close();
    });

    const post = async (url: string, who: string, language?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': ANDROID };
      if (language) headers['accept-language'] = language;
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ who }) });
      return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
    };

    it('Express: zh-Hans gets Chinese, no header gets English, a fixed locale ignores the header', async () => {
      const zh = await post(`${expressBase}/session`, 'dormant', 'zh-Hans;q=0.9, en;q=0.5');
      expect(zh.status).toBe(401);
      expect(zh.headers.get('content-language')).toBe('zh-CN');
      expect(zh.headers.get('vary')).toMatch(/accept-language/i);
      expect(zh.body.message).toMatch(CJK);
      const en = await post(`${expressBase}/session`, 'dormant');
      expect(en.body.locale).toBe('en');
      expect(en.body.message).not.toMatch(CJK);
      const fixed = await post(`${expressBase}/session-en`, 'dormant', 'zh-CN');
      expect(fixed.body.locale).toBe('en');
      const invalid = await post(`${expressBase}/session`, 'nobody', 'zh');
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({ error: 'invalid_input', locale: 'zh-CN' });
      expect(invalid.body.message).toMatch(CJK);
    });

    it('Fastify: zh-CN gets Chinese', async () => {
      const address = fastify.server.address() as AddressInfo;
      const zh = await post(`http://127.0.0.1:${address.port}/session`, 'dormant', 'zh-CN,zh;q=0.9');
      expect(zh.status).toBe(401);
      expect(zh.headers.get('content-language')).toBe('zh-CN');
      const prompts = (zh.body.stepUp as { prompts: Record<string, string> }).prompts;
      for (const [check, prompt] of Object.entries(prompts)) expect(prompt).toBe(catalogue('zh-CN').stepUpPrompts[check as StepUpCheck]);
      expect(Object.keys(prompts).length).toBeGreaterThan(0);
      const invalid = await post(`http://127.0.0.1:${address.port}/session`, 'nobody', 'zh-CN');
      expect(invalid.body).toMatchObject({ error: 'invalid_input', locale: 'zh-CN' });
    });
  });
});
