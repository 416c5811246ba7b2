import { cancelCopy } from './cancel';
import { createCopy } from './create';
import { listCopies } from './list';

export const copyRoutes = [createCopy, listCopies, cancelCopy];
