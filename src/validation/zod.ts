import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/**
 * zod with `.openapi()` available. Schemas that appear in the admin API import `z` from here, so the
 * extension is in place whichever module loads first.
 */
extendZodWithOpenApi(z);

export { z };
