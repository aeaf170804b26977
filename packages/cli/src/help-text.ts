/** The usage shown by `omnibus --help` and after a usage error. */
export const HELP_TEXT = `omnibus — operate Omnibus messaging on any broker

Usage:
  omnibus dlq count   <queue> [--subscription S] [--json]
  omnibus dlq peek    <queue> [--subscription S] [--limit N] [--json]
  omnibus dlq redrive <queue> [--subscription S] [--limit N] [--id ID]... [--pattern JSON]
                              [--to QUEUE] [--rate R] [--yes] [--json]
  omnibus dlq purge   <queue> [--subscription S] [--id ID]... [--older-than ISO-TIME] [--yes] [--json]
  omnibus doctor      [--queue Q] [--json]

  <queue> is a queue name, or a topic name with --subscription.

Options:
  --transport URL   the transport (or set OMNIBUS_TRANSPORT), e.g. amqp://guest:guest@localhost:5672
  --json            machine-readable output on stdout (progress and prompts are off)
  --yes             do not ask before redriving or purging
  -h, --help        this text

Exit codes: 0 ok, 1 failure, 2 usage error.
`;
