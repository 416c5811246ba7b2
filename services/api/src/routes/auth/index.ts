import type { RouteDef } from '../../http/route';
import { login } from './login';
import { logout } from './logout';
import { me } from './me';
import { changePassword } from './password';

export const authRoutes: RouteDef[] = [login, logout, me, changePassword];
