// The repeatable `--context key=value` option: values for a template's {{placeholders}}.
import { validationFailed } from '../core/errors.js';

/** Commander collector for a repeatable option. */
export const collectRepeated = (value: string, previous: string[] = []) => [...previous, value];

/** ["issue=#42", "repo=acme/api"] → { issue: "#42", repo: "acme/api" }; the value may itself contain "=". */
export function parseContextArgs(values: readonly string[] | undefined): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  values.forEach((v, i) => {
    const at = v.indexOf('=');
    if (at < 1)
      throw validationFailed(`context[${i}]`, `"${v}" is not key=value`, 'Pass each placeholder value as --context key=value, e.g. --context issue=#42.');
    out[v.slice(0, at).trim()] = v.slice(at + 1);
  });
  return out;
}
