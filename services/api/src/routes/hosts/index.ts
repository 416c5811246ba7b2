import { getHost } from './detail';
import { forceOffHost } from './force-off';
import { turnOffHost } from './turn-off';

/** The host admin page's routes (issue 14 item 4); list, drain and undrain are in the table beside them. */
export const hostAdminRoutes = [getHost, turnOffHost, forceOffHost];
