import { z } from 'zod';

/** The sidecar an imported run carries at its top level (run sync, issue 17). */
export const PROVENANCE_FILE = '.provenance.json';

export const provenanceSchema = z.object({
  runid: z.string(),
  /** The source instance's base URL. */
  source_host: z.string(),
  pulled_at: z.string(),
  /** The export URL the archive was downloaded from (without any token). */
  original_url: z.string(),
  owner_email: z.string().nullable(),
  /** The run's version marker at the source when it was pulled (null: it had none). */
  version_at_pull: z.number().nullable(),
  /** SHA-256 of the archive as pulled (verified against the source's export info). */
  sha256: z.string(),
  size: z.number().optional(),
  archive_name: z.string().optional(),
  operation_id: z.string().optional(),
  notes: z.string().optional(),
});
export type Provenance = z.infer<typeof provenanceSchema>;
