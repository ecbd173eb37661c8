/** The `Sec-CH-UA-*` values the device signal uses. Header values are structured-field strings. */
export interface ClientHintFacts {
  platform?: string;
  model?: string;
  mobile?: boolean;
}

/** `"SM-S9180"` -> `SM-S9180`; `?1` -> true. Malformed values are ignored, not guessed. */
function sfString(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const unquoted = trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1) : trimmed;
  const clean = unquoted.replace(/\\(["\\])/g, '$1').trim();
  return clean.length > 0 && clean.length <= 64 ? clean : undefined;
}

export function readClientHints(hints: Record<string, string> | undefined): ClientHintFacts {
  if (!hints) return {};
  const facts: ClientHintFacts = {};
  const platform = sfString(hints['sec-ch-ua-platform']);
  if (platform) facts.platform = platform;
  const model = sfString(hints['sec-ch-ua-model']);
  if (model) facts.model = model;
  const mobile = hints['sec-ch-ua-mobile']?.trim();
  if (mobile === '?1') facts.mobile = true;
  else if (mobile === '?0') facts.mobile = false;
  return facts;
}
