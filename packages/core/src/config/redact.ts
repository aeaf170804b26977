/**
 * Removes secrets from a transport URL or connection string so it can appear in an error or a log:
 * URL passwords, and `SharedAccessKey`/`SharedAccessSignature`/`AccountKey`/`password`/`token`
 * style pairs. Anything that does not parse is redacted from its first `:` or `=` onward.
 */
export function redactSecrets(text: string): string {
  const pairs = text.replace(
    /((?:SharedAccessKey|SharedAccessSignature|AccountKey|password|passwd|pwd|secret|token|key)\s*=\s*)([^;&\s]+)/gi,
    '$1***',
  );
  return pairs.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/?#\s]*)@/i, '$1***@');
}
