import { Suspense } from 'react';
import { LoginForm } from './LoginForm';

export const metadata = { title: 'Log in · Arkive' };

export default function LoginPage() {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <Suspense>
        <LoginForm />
      </Suspense>
    </main>
  );
}
