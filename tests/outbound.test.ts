import { blockedAddress } from '../src/common/outbound';
import { readPage } from '../src/common/page';
import { isLinkBack, linkBackTargets } from '../src/linkbacks/linkback.rules';

/** The outbound fetcher's pure parts: the address rule, the page reader, the link-back rule. */

describe('blockedAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['169.254.0.1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
  ])('refuses IPv4 %s (%s)', (address, range) => {
    expect(blockedAddress(address)).toBe(`IPv4 ${range}`);
  });

  it.each([
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['febf::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'discard'],
    ['2001::1', 'teredo'],
  ])('refuses IPv6 %s (%s)', (address, range) => {
    expect(blockedAddress(address)).toBe(`IPv6 ${range}`);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:0:127.0.0.1', 'loopback'], // IPv4-translated (RFC 6145)
    ['64:ff9b::7f00:1', 'loopback'], // NAT64 (RFC 6052)
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::1', 'loopback'], // 6to4 of 127.0.0.1
    ['2002:a9fe:a9fe::1', 'linkLocal'], // 6to4 of 169.254.169.254
    ['::127.0.0.1', 'loopback'], // IPv4-compatible
  ])('judges %s by the IPv4 address it carries (%s)', (address, range) => {
    expect(blockedAddress(address)).toBe(`IPv4 ${range}`);
  });

  it('refuses the local-use NAT64 prefix, whose IPv4 part cannot be told', () => {
    expect(blockedAddress('64:ff9b:1::1')).toMatch(/NAT64/);
  });

  it.each([
    '8.8.8.8',
    '93.184.215.14',
    '1.1.1.1',
    '2606:4700::1111',
    '2a00:1450:4001::1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('lets the public unicast address %s through', (address) => {
    expect(blockedAddress(address)).toBeNull();
  });

  it('refuses what is not an address', () => {
    expect(blockedAddress('localhost')).toBe('not an IP address');
  });

  it('is given the dotted form of the odd IPv4 spellings, as WHATWG URL parsing makes them', () => {
    for (const odd of [
      'http://2130706433/',
      'http://0x7f.1/',
      'http://017700000001/',
      'http://127.1/',
    ]) {
      const host = new URL(odd).hostname;
      expect(host).toBe('127.0.0.1');
      expect(blockedAddress(host)).toBe('IPv4 loopback');
    }
    expect(new URL('http://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
    expect(blockedAddress('::ffff:7f00:1')).toBe('IPv4 loopback');
  });
});

describe('readPage', () => {
  const page = 'https://runner.example/posts/1';

  it('finds every <a href> resolved against the page, and the first absolute og:image', () => {
    const facts = readPage(
      `<!doctype html><html><head>
         <meta property="og:image" content="https://runner.example/img/run.jpg">
         <meta property="og:image" content="https://runner.example/img/second.jpg">
       </head><body>
         <p>Linking up with <A HREF="https://www.cohost.example/">Cohost</A>,
         <a href="/about">about</a>, <a href="../x?y=1#z">rel</a>, <a href="mailto:a@b.c">mail</a>,
         <a href="javascript:alert(1)">js</a> <a>no href</a> <a href="https://a.example/?q=&amp;x">amp</a>
       </body></html>`,
      page,
    );
    expect(facts.links).toEqual([
      'https://www.cohost.example/',
      'https://runner.example/about',
      'https://runner.example/x?y=1#z',
      'https://a.example/?q=&x',
    ]);
    expect(facts.ogImage).toBe('https://runner.example/img/run.jpg');
  });

  it('resolves against <base href>, and refuses a relative or non-http og:image', () => {
    const facts = readPage(
      `<html><head><base href="https://mirror.example/blog/"><meta property="og:image" content="/img.png"></head>
       <body><a href="post">p</a></body></html>`,
      page,
    );
    expect(facts.links).toEqual(['https://mirror.example/blog/post']);
    expect(facts.ogImage).toBeNull();
    expect(
      readPage('<meta property="og:image" content="data:image/png;base64,AAAA">', page).ogImage,
    ).toBeNull();
  });

  it('is a parser, not a pattern: links inside comments, scripts and attributes do not count', () => {
    const facts = readPage(
      `<!-- <a href="https://cohost.example/">hidden</a> -->
       <script>document.write('<a href="https://cohost.example/s">s</a>')</script>
       <img alt='<a href="https://cohost.example/alt">'>
       <textarea><a href="https://cohost.example/t"></a></textarea>`,
      page,
    );
    expect(facts.links).toEqual([]);
  });
});

describe('isLinkBack', () => {
  const targets = linkBackTargets({
    blogUrls: ['https://www.Cohost.example/blog', 'https://second.example'],
    canonicalUrls: ['https://medium.example/@cohost/my-linkup-post?utm_source=x'],
    publicUrl: 'https://roundup.example',
    linkUpSlug: 'weekly-miles',
    number: 7,
  });

  it.each([
    'https://cohost.example/',
    'http://www.cohost.example/any/page',
    'https://COHOST.example./x',
    'https://second.example/2026/11/linkup',
    'https://medium.example/@cohost/my-linkup-post/',
    'https://medium.example/@cohost/my-linkup-post#comments',
    'https://roundup.example/embed/weekly-miles',
    'https://roundup.example/embed/weekly-miles/7',
  ])('counts %s', (link) => {
    expect(isLinkBack(link, targets)).toBe(true);
  });

  it.each([
    'https://evil-cohost.example/',
    'https://cohost.example.evil.example/',
    'https://blog.cohost.example/',
    'https://medium.example/@cohost/another-post',
    'https://roundup.example/embed/other-linkup',
    'https://roundup.example/embed/weekly-miles/6',
    'https://elsewhere.example/embed/weekly-miles',
    'ftp://cohost.example/',
  ])('does not count %s', (link) => {
    expect(isLinkBack(link, targets)).toBe(false);
  });

  it('counts no embed page when the public origin is unknown', () => {
    const noOrigin = linkBackTargets({
      blogUrls: [],
      canonicalUrls: [],
      publicUrl: undefined,
      linkUpSlug: 'weekly-miles',
      number: 7,
    });
    expect(isLinkBack('https://roundup.example/embed/weekly-miles', noOrigin)).toBe(false);
  });
});
