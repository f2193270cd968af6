/**
 * The workflow's one source of truth, the ASL file, read through the statemachine package's
 * loader (the local runner uses the same), inlined with `DefinitionBody.fromString` so cdk-nag and
 * `cdk diff` see it (`fromFile` would upload an opaque asset).
 */
import {
  DEFINITION_PATH,
  findPlaceholders,
  loadDefinition,
  loadDefinitionText,
  PLACEHOLDERS,
  type Placeholder,
  REMEDIATION_DEFINITION_PATH,
  REMEDIATION_PLACEHOLDERS,
  type RemediationPlaceholder,
} from '@org-key-audit/statemachine/definition';

export const ASL_PATH = DEFINITION_PATH;
export type DefinitionPlaceholder = Placeholder;

/**
 * The ASL text, checked at synth: valid JSON, and no placeholder the stack would leave
 * unsubstituted (Step Functions would only reject a literal `${...}` at deploy time).
 */
export function readDefinition(path: string = ASL_PATH): string {
  const unknown = findPlaceholders(loadDefinition(path)).filter(
    (name) => !(PLACEHOLDERS as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    throw new Error(
      `${path} uses placeholder(s) ${unknown.map((p) => `\${${p}}`).join(', ')} that the AuditorStack does not supply`,
    );
  }
  return loadDefinitionText(path);
}

export const REMEDIATION_ASL_PATH = REMEDIATION_DEFINITION_PATH;
export type RemediationDefinitionPlaceholder = RemediationPlaceholder;

/** The RemediateKeys ASL text, checked like the audit's against its own placeholders. */
export function readRemediationDefinition(path: string = REMEDIATION_ASL_PATH): string {
  const unknown = findPlaceholders(loadDefinition(path)).filter(
    (name) => !(REMEDIATION_PLACEHOLDERS as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    throw new Error(
      `${path} uses placeholder(s) ${unknown.map((p) => `\${${p}}`).join(', ')} that the RemediationWorkflow does not supply`,
    );
  }
  return loadDefinitionText(path);
}
