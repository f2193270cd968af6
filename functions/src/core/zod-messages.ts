/**
 * The schemas use `zod/mini` (tree-shakable: about 17 KiB in a Lambda bundle instead of classic
 * zod's 448 KiB), which ships no messages of its own: without a locale every built-in check says
 * only "Invalid input". Loading the English locale keeps the messages the classic API gave
 * ("Invalid input: expected string, received number"), which reach operators through
 * MalformedDataError. Every package validates with zod/mini (one style); infra imports this
 * module, and the emulator, which takes nothing from the product, sets the same locale itself.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());
