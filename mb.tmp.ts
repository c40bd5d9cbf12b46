import { renderPage } from './src/embed/render';
const entries = Array.from({ length: 200 }, (_, i) => ({ number: i + 1, title: `A run title number ${i} with words`, url: `https://blog${i}.example/2026/11/a-run-${i}`, blogName: `Blog ${i}`, imageUrl: i % 3 ? null : `https://blog${i}.example/img.jpg`, featured: i < 2 }));
const edition: any = { linkUp: { slug: 'linkup-5', name: 'Link up 5', description: 'desc' }, roundup: { number: 3, title: 'Week 3', status: 'OPEN', opensAt: '2026-11-30T00:00:00Z', closesAt: '2026-12-07T00:00:00Z', closedAt: null, url: 'http://x/embed/linkup-5/3', submitUrl: 'https://a.example/' }, cohosts: [{ name: 'A', blogUrl: 'https://a.example/', isNew: false }, { name: 'B', blogUrl: null, isNew: true }], entries, entryCount: 200, linkUpId: '5', roundupId: '9' };
const N = 3000;
for (let i = 0; i < 500; i++) renderPage('http://x', edition, 'http://x/embed/linkup-5', true);
const t = process.hrtime.bigint(); for (let i = 0; i < N; i++) renderPage('http://x', edition, 'http://x/embed/linkup-5', true);
console.log('render ms', Number(process.hrtime.bigint() - t) / 1e6 / N);
