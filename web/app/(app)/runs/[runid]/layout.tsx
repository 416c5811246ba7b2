'use client';
import { use } from 'react';
import { RunTabs } from './RunTabs';

export default function RunLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ runid: string }>;
}) {
  const { runid } = use(params);
  return (
    <>
      <RunTabs runid={decodeURIComponent(runid)} />
      {children}
    </>
  );
}
