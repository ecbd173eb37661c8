/**
 * recycled-number-guard/opentelemetry on the real OpenTelemetry SDK with its in-memory exporters:
 * span and metric names and attributes for the three stories, a refused step-up, bad input and a
 * failing carrier; and no phone number, address, account id or device token anywhere in what is
 * exported.
 */
import { metrics as metricsApi } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGuard,
  GuardConfigError,
  InvalidInputError,
  memoryStore,
  OutcomeRejectedError,
  type AttemptInput,
  type Decision,
  type Guard,
} from 'recycled-number-guard';
import { camaraNumberRecycling, createCamaraClient, hostToken } from 'recycled-number-guard/camara';
import { openTelemetry, TELEMETRY_NAMES } from 'recycled-number-guard/opentelemetry';
import { ANDROID, DAY, loopbackGeo, NOW } from '../adapters/helpers.js';
import { echo, json, localServer, type LocalServer } from '../providers/helpers.js';

const OWNER = { accountId: 'acct-owner-7731', phone: '+8613800138101', phoneBoundAt: '2021-05-01T00:00:00Z' };
const PREVIOUS_HOLDER = { accountId: 'acct-previous-holder-5518', phone: '+8613800138102', phoneBoundAt: '2021-05-01T00:00:00Z' };
const TRAVELLER = { accountId: 'acct-traveller-9902', phone: '+8613800138103', phoneBoundAt: '2021-05-01T00:00:00Z' };
/** The operator answers 503 for this one: a provider failure. */
const OUTAGE = { accountId: 'acct-outage-4417', phone: '+8613800138104', phoneBoundAt: '2021-05-01T00:00:00Z' };
const IP = '127.0.0.1';
const DEVICES = ['device-token-owner-af31', 'device-token-holder-b772', 'device-token-traveller-c093', 'device-token-outage-d114'];
/** Every raw identifier the guard saw, in every spelling a leak could take. */
const IDENTIFIERS = [
  ...[OWNER, PREVIOUS_HOLDER, TRAVELLER, OUTAGE].flatMap((account) => [account.accountId, account.phone, account.phone.slice(1), account.phone.slice(3)]),
  IP,
  ...DEVICES,
];

let operator: LocalServer;
let guard: Guard;
const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const meterProvider = new MeterProvider({ readers: [reader] });
const decisions: Decision[] = [];

const attempt = (account: typeof OWNER, deviceId: string, extra: Partial<AttemptInput> = {}): AttemptInput => ({
  ...account,
  ip: IP,
  userAgent: ANDROID,
  deviceId,
  ...extra,
});

beforeAll(async () => {
  operator = await localServer((request, response) => {
    const body = JSON.parse(request.body) as { phoneNumber?: string; specifiedDate?: string };
    if (body.phoneNumber === OUTAGE.phone) return json(response, 503, { status: 503, code: 'UNAVAILABLE', message: 'down' }, echo(request));
    if (body.phoneNumber === TRAVELLER.phone)
      return json(response, 404, { status: 404, code: 'IDENTIFIER_NOT_FOUND', message: 'not a subscriber' }, echo(request));
    const recycled = body.phoneNumber === PREVIOUS_HOLDER.phone && Date.parse(body.specifiedDate ?? '') < NOW - 30 * DAY;
    json(response, 200, { phoneNumberRecycled: recycled }, echo(request));
  });
  const client = createCamaraClient({ apiRoot: operator.url, auth: hostToken({ legs: 2, token: () => 'operator-token' }), maxRetries: 0 });
  guard = createGuard({
    preset: 'cloud-drive',
    // The hooks are under test, not the policy: a host whose step-up is its password.
    checks: ['password'],
    geo: loopbackGeo,
    store: memoryStore({ now: () => NOW }),
    hashKey: 'observability-tests-hash-key-0123',
    clock: () => NOW,
    budgetMs: 5_000,
    numberIntel: [camaraNumberRecycling(client)],
    telemetry: openTelemetry({ tracer: tracerProvider.getTracer('test'), meter: meterProvider.getMeter('test') }),
  });
  // ready() runs a warm-up assessment on a scratch guard: it must not be observed.
  await guard.ready();
  expect(spans.getFinishedSpans()).toEqual([]);

  // The owner's routine sign-in, twice.
  decisions.push(await guard.assess(attempt(OWNER, DEVICES[0]!)), await guard.assess(attempt(OWNER, DEVICES[0]!)));
  // The new holder: step-up, failed.
  const holder = await guard.assess(attempt(PREVIOUS_HOLDER, DEVICES[1]!));
  decisions.push(holder);
  await guard.recordOutcome(holder.id, { check: 'password', passed: false, accountId: PREVIOUS_HOLDER.accountId });
  // The owner on a new phone: step-up, passed; the replay is refused.
  const traveller = await guard.assess(attempt(TRAVELLER, DEVICES[2]!));
  decisions.push(traveller);
  await guard.recordOutcome(traveller.id, { check: 'password', passed: true, accountId: TRAVELLER.accountId });
  await expect(guard.recordOutcome(traveller.id, { check: 'password', passed: true, accountId: TRAVELLER.accountId })).rejects.toBeInstanceOf(
    OutcomeRejectedError,
  );
  // The carrier is down for this number.
  decisions.push(await guard.assess(attempt(OUTAGE, DEVICES[3]!)));
  // Bad input: the phone in the wrong field, the account id in a bad date.
  await expect(guard.assess(attempt(OWNER, DEVICES[0]!, { phoneBoundAt: OWNER.accountId }))).rejects.toBeInstanceOf(InvalidInputError);
  await reader.forceFlush();
});

afterAll(async () => {
  await operator.close();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
});

const named = (name: string) => spans.getFinishedSpans().filter((span) => span.name === name);
const A = 'recycled_number_guard.';

function metric(name: string) {
  const all = metricExporter.getMetrics() as ResourceMetrics[];
  const last = all.at(-1)!;
  return last.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
}
/** Sum of a counter's data points whose attributes include `where`. */
function count(name: string, where: Record<string, unknown> = {}): number {
  const found = metric(name);
  if (!found) return 0;
  return found.dataPoints
    .filter((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, point) => sum + (typeof point.value === 'number' ? point.value : (point.value as { count: number }).count), 0);
}

describe('spans', () => {
  it('one assess span per assess, with the decision, evidence and carrier attributes', () => {
    const assessSpans = named(TELEMETRY_NAMES.assessSpan);
    expect(assessSpans).toHaveLength(decisions.length + 1);
    const decided = assessSpans.filter((span) => span.attributes[`${A}action`] !== undefined);
    expect(decided.map((span) => span.attributes[`${A}action`])).toEqual(decisions.map((decision) => decision.action));
    expect(decided.map((span) => span.attributes[`${A}action`])).toEqual(['allow', 'allow', 'step_up', 'step_up', 'step_up']);
    for (const [index, span] of decided.entries()) {
      const decision = decisions[index]!;
      expect(span.attributes).toMatchObject({
        [`${A}would_be`]: decision.wouldBe,
        [`${A}mode`]: 'enforce',
        [`${A}preset`]: 'cloud-drive',
        [`${A}policy_version`]: decision.policyVersion,
        [`${A}number_changed_hands`]: decision.numberChangedHands,
        [`${A}reasons`]: decision.reasons.slice(0, 3).map((reason) => reason.code),
        [`${A}evidence.history`]: decision.evidence.history,
        [`${A}evidence.geo`]: 'ok',
        [`${A}evidence.device`]: 'ok',
        [`${A}evidence.number_intel`]: decision.evidence.numberIntel,
      });
      expect(typeof span.attributes[`${A}risk`]).toBe('number');
    }
    // Carrier outcome and latency: fresh answers, the cache, a number the operator does not serve, an outage.
    expect(decided.map((span) => span.attributes[`${A}provider.outcomes`])).toEqual([
      ['camara-number-recycling:answered'],
      ['camara-number-recycling:answered'],
      ['camara-number-recycling:answered'],
      ['camara-number-recycling:IDENTIFIER_NOT_FOUND'],
      ['camara-number-recycling:HTTP_503'],
    ]);
    expect(decided[1]!.attributes[`${A}evidence.number_intel`]).toBe('cached');
    for (const span of decided) expect(span.attributes[`${A}provider.latency_ms`]).toBeGreaterThanOrEqual(0);
    expect(decided[2]!.attributes).toMatchObject({
      [`${A}number_changed_hands`]: 'yes',
      [`${A}advice.new_holder`]: 'offer_new_account',
      [`${A}step_up.checks`]: ['password'],
    });
  });

  it('bad input: an error span naming the error code, nothing else', () => {
    const failed = named(TELEMETRY_NAMES.assessSpan).filter((span) => span.attributes[`${A}action`] === undefined);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.status).toEqual({ code: 2, message: 'INVALID_INPUT' });
    expect(failed[0]!.attributes).toEqual({ 'error.type': 'INVALID_INPUT' });
  });

  it('one span per recordOutcome: failed, passed, and the refused replay', () => {
    const outcomes = named(TELEMETRY_NAMES.outcomeSpan);
    expect(outcomes.map((span) => span.attributes)).toEqual([
      {
        [`${A}preset`]: 'cloud-drive',
        [`${A}policy_version`]: decisions[0]!.policyVersion,
        [`${A}step_up.checks`]: ['password'],
        [`${A}step_up.passed`]: false,
        [`${A}action`]: 'deny',
        [`${A}step_up.satisfied`]: false,
        [`${A}advice.new_holder`]: 'offer_new_account',
        [`${A}advice.previous_holder`]: 'protect_account',
      },
      {
        [`${A}preset`]: 'cloud-drive',
        [`${A}policy_version`]: decisions[0]!.policyVersion,
        [`${A}step_up.checks`]: ['password'],
        [`${A}step_up.passed`]: true,
        [`${A}action`]: 'allow',
        [`${A}step_up.satisfied`]: true,
      },
      {
        [`${A}preset`]: 'cloud-drive',
        [`${A}policy_version`]: decisions[0]!.policyVersion,
        [`${A}step_up.checks`]: ['password'],
        [`${A}step_up.passed`]: true,
        [`${A}step_up.rejected`]: 'UNKNOWN_DECISION',
      },
    ]);
  });
});

describe('metrics', () => {
  it('decisions by action, with history and carrier evidence; top reasons by action', () => {
    expect(count(TELEMETRY_NAMES.decisions)).toBe(5);
    expect(count(TELEMETRY_NAMES.decisions, { action: 'allow' })).toBe(2);
    expect(count(TELEMETRY_NAMES.decisions, { action: 'step_up', preset: 'cloud-drive', mode: 'enforce' })).toBe(3);
    // First logins (no history yet): four, three of them stopped.
    expect(count(TELEMETRY_NAMES.decisions, { history: 'none' })).toBe(4);
    expect(count(TELEMETRY_NAMES.decisions, { history: 'none', action: 'step_up' })).toBe(3);
    expect(count(TELEMETRY_NAMES.decisionReasons, { action: 'step_up', reason: 'number_reissued_after_binding' })).toBe(1);
    expect(count(TELEMETRY_NAMES.assessDuration)).toBe(5);
    expect(count(TELEMETRY_NAMES.assessErrors, { error: 'INVALID_INPUT' })).toBe(1);
  });

  it('step-up outcomes by result', () => {
    expect(count(TELEMETRY_NAMES.stepUpOutcomes, { result: 'deny', checks: 'password' })).toBe(1);
    expect(count(TELEMETRY_NAMES.stepUpOutcomes, { result: 'allow', checks: 'password' })).toBe(1);
    expect(count(TELEMETRY_NAMES.stepUpOutcomes, { result: 'rejected', rejection: 'UNKNOWN_DECISION' })).toBe(1);
  });

  it('provider calls, errors and latency: a number not served is no provider error, a 503 is', () => {
    const provider = 'camara-number-recycling';
    // The owner's second sign-in was answered from the cache: no call.
    expect(count(TELEMETRY_NAMES.providerCalls, { provider })).toBe(4);
    expect(count(TELEMETRY_NAMES.providerCalls, { provider, outcome: 'answered', failed: false })).toBe(2);
    expect(count(TELEMETRY_NAMES.providerCalls, { provider, outcome: 'IDENTIFIER_NOT_FOUND', failed: false })).toBe(1);
    expect(count(TELEMETRY_NAMES.providerErrors, { provider })).toBe(1);
    expect(count(TELEMETRY_NAMES.providerErrors, { provider, outcome: 'HTTP_503' })).toBe(1);
    expect(count(TELEMETRY_NAMES.providerDuration, { provider })).toBe(4);
    expect(metric(TELEMETRY_NAMES.providerDuration)!.descriptor.unit).toBe('ms');
  });
});

describe('privacy', () => {
  it('no phone number, address, account id or device token in any span or metric', () => {
    const exported: unknown[] = [];
    for (const span of spans.getFinishedSpans() as ReadableSpan[]) {
      exported.push(span.name, span.attributes, span.status, span.events, span.links, span.resource.attributes);
    }
    for (const batch of metricExporter.getMetrics()) {
      for (const scope of batch.scopeMetrics)
        for (const m of scope.metrics)
          exported.push(
            m.descriptor,
            m.dataPoints.map((point) => point.attributes),
          );
    }
    const text = JSON.stringify(exported);
    expect(text.length).toBeGreaterThan(1_000);
    for (const identifier of IDENTIFIERS) expect(text, identifier).not.toContain(identifier);
    // And no number-looking run of digits in any string (numbers such as risk and latency are measurements).
    const strings: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string') strings.push(value);
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') Object.entries(value).forEach(([key, inner]) => (strings.push(key), collect(inner)));
    };
    collect(exported);
    expect(strings.length).toBeGreaterThan(100);
    expect(strings.filter((value) => /\d{5,}/.test(value))).toEqual([]);
  });

  it('a host provider whose failure text names the number is labelled "other"', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const ownReader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [ownReader] });
    const chatty = createGuard({
      geo: false,
      clock: () => NOW,
      numberIntel: { name: 'host-lookup', check: async ({ phone }) => ({ source: 'host-lookup', unavailable: `no record for ${phone}` }) },
      telemetry: openTelemetry({ tracer: tracerProvider.getTracer('test'), meter: provider.getMeter('test') }),
    });
    await chatty.assess(attempt(OWNER, DEVICES[0]!));
    await ownReader.forceFlush();
    const points = exporter
      .getMetrics()
      .flatMap((batch) => batch.scopeMetrics.flatMap((scope) => scope.metrics))
      .find((m) => m.descriptor.name === TELEMETRY_NAMES.providerCalls)!.dataPoints;
    expect(points.map((point) => point.attributes)).toEqual([{ provider: 'host-lookup', outcome: 'other', failed: true }]);
    expect(JSON.stringify(named(TELEMETRY_NAMES.assessSpan).at(-1)!.attributes)).not.toContain('138101');
    await provider.shutdown();
  });
});

describe('configuration', () => {
  it('the global API is used when no tracer or meter is given (a no-op until the host registers a provider)', async () => {
    expect(metricsApi.getMeterProvider()).toBeDefined();
    const quiet = createGuard({ geo: false, clock: () => NOW, telemetry: openTelemetry() });
    const decision = await quiet.assess(attempt(OWNER, DEVICES[0]!));
    expect(decision.action).toBe('step_up');
  });

  it('a telemetry object without the three methods is a GuardConfigError naming the option', () => {
    expect(() => createGuard({ telemetry: {} as never })).toThrow(GuardConfigError);
    expect(() => createGuard({ telemetry: {} as never })).toThrow(/telemetry/);
  });
});
