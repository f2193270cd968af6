/**
 * The schemas use `zod/mini` (tree-shakable: about 17 KiB in a Lambda bundle instead of classic
 * zod's 448 KiB), which ships no messages of its own: without a locale every built-in check says
 * only "Invalid input". Loading the English locale keeps the messages the classic API gave
 * ("Invalid input: expected string, received number"), which reach operators through
 * MalformedDataError. Importing classic zod elsewhere (infra, cli) sets the same locale, so the
 * order of imports never changes a message.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());
