import { describe, expect, it } from 'vitest';
import { formatSummary, runOrderFlow } from '../src/order-flow.js';

describe('the order example on memory://', () => {
  it('settles every order once, never double-charges, and notifies everyone', async () => {
    const summary = await runOrderFlow({
      transport: 'memory://',
      orders: 20,
      seed: 42,
      failureRate: 0.3,
      timeoutMs: 30_000,
    });
    expect(summary.ok).toBe(true);
    expect(summary.confirmed + summary.failed).toBe(20);
    expect(summary.failed).toBeGreaterThan(0);
    expect(summary.doubleCharges).toBe(0);
    expect(summary.charges).toBe(summary.confirmed);
    expect(summary.emails).toBe(20);
    expect(summary.sms).toBe(20);
    expect(summary.financeAlerts).toBe(summary.expectedFinanceAlerts);
    expect(summary.stockConsistent).toBe(true);
    expect(formatSummary(summary)).toMatch(
      /^orders=20 confirmed=\d+ failed=\d+ charges=\d+ double-charges=0 emails=20 sms=20 finance-alerts=\d+ stock-consistent=yes$/,
    );
  });

  it('stays correct when every payment run fails after charging half the time', async () => {
    const summary = await runOrderFlow({
      transport: 'memory://',
      orders: 30,
      seed: 7,
      failureRate: 0.5,
      timeoutMs: 30_000,
    });
    expect(summary).toMatchObject({ ok: true, doubleCharges: 0, emails: 30, sms: 30 });
  });
});
