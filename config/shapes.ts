/**
 * Shapes of config values as the Pulumi CLI hands them to a program: every value is text
 * (integers and booleans as their digits and words, lists as JSON). Each shape checks the text
 * and returns the typed value; the field rules themselves live in model/fields.
 */
import { z } from "zod";
import { parseCidr, PATTERNS } from "../model/fields";

export const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: "must be a whole number" })
    .transform(Number)
    .pipe(z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));

export const boolean = () => z.enum(["true", "false"], { error: "must be true or false" }).transform((text) => text === "true");

export const oneOf = <const T extends readonly [string, ...string[]]>(choices: T) => z.enum(choices, { error: `must be one of ${choices.join(", ")}` });

/** Pulumi stores a list as JSON text. */
export const jsonList = <T extends z.ZodType>(item: T, maxItems: number) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be a list" });
        return z.NEVER;
      }
    })
    .pipe(z.array(item, { error: "must be a list" }).max(maxItems, { error: `must list at most ${maxItems} entries` }));

export interface CidrRules {
  /** The widest prefix accepted for each address family; wider ones are refused. */
  readonly widestPrefix?: { readonly 4: number; readonly 6: number };
}

/** A CIDR whose address is its network address (no host bits), optionally no wider than a limit. */
export const cidr = (rules: CidrRules = {}) =>
  z.string().superRefine((text, ctx) => {
    const parsed = parseCidr(text);
    if (!parsed) {
      ctx.addIssue({ code: "custom", message: "must be a CIDR such as 203.0.113.0/24" });
      return;
    }
    if (parsed.hostBitsSet) {
      ctx.addIssue({ code: "custom", message: `has host bits set; the network is ${parsed.network}` });
      return;
    }
    const widest = rules.widestPrefix?.[parsed.version];
    if (widest !== undefined && parsed.prefix < widest) {
      const world = parsed.prefix === 0 ? "is the whole internet" : `is wider than /${widest}`;
      ctx.addIssue({ code: "custom", message: `${world}; give the admin's own address or network (/${widest} or narrower)` });
    }
  });

export const pattern = (regex: RegExp, error: string) => z.string().regex(regex, { error });

/** An e-mail address: something@a.domain, nothing a shell or certbot would misread. */
export const email = () => z.email({ error: "must be an e-mail address" });

export { PATTERNS };
