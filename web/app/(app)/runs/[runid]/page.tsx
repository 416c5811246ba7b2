'use client';
import { use } from 'react';
import { RunDashboard } from './RunDashboard';

export default function RunPage({ params }: { params: Promise<{ runid: string }> }) {
  const { runid } = use(params);
  return <RunDashboard runid={decodeURIComponent(runid)} />;
}
