import { startTestApi, TestApi } from './helpers/api';
import { fixtures } from './helpers/fixtures';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t?.stop());

it('serves a post', async () => {
  const f = fixtures(t);
  const host = await f.host();
  const post = await f.post(host.id);
  const r = await t.gql(
    'query($slug: String!) { post(slug: $slug) { id title author { name } } }',
    { slug: post.slug },
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.post.id).toBe(post.gid);
});
