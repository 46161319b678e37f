import { expect } from 'chai';
import { ROLE, type LaunchSpec } from '../helpers/emulator/platform-emulator.js';
import { expectStatus, joinCourse, postIdFrom, strictlyIncreasingClock, threadIdFrom, type Participant } from '../helpers/participant.js';
import { startStack, type Stack } from '../helpers/stack.js';
import type { Page } from '../helpers/test-browser.js';

type Person = Participant;

describe('connections: the course people directory and profiles (e2e through the platform emulator)', function () {
  this.timeout(120_000);
  let stack: Stack;
  let base: string;
  let teacher: Person;
  let ann: Person;
  let ben: Person;
  let cat: Person;
  let dan: Person;
  let spaceId: string;
  let anonSpaceId: string;

  const join = (spec: LaunchSpec): Promise<Person> => joinCourse(stack, spec);

  const see = expectStatus;
  /** Person cards' names, in the order the directory lists them. */
  const namesIn = (page: Page): string[] => [...page.body.matchAll(/<h3 id="person-h-[0-9a-f-]{36}">([^<]*)/g)].map((m) => m[1]!.trim());
  const dir = (q?: string) => `/spaces/${spaceId}/people-directory${q === undefined ? '' : `?q=${encodeURIComponent(q)}`}`;

  before(async () => {
    stack = await startStack({ clock: strictlyIncreasingClock() });
    base = stack.tool.publicUrl;
    teacher = await join({ sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor] });
    const setup = see(await teacher.post('/app/setup', { kind: 'post_event', title: 'Connections space', time_zone: 'UTC' }));
    spaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    ann = await join({ sub: 'ann', name: 'Ann Asker', roles: [ROLE.learner] });
    ben = await join({ sub: 'ben', name: 'Ben Helper', roles: [ROLE.learner] });
    cat = await join({ sub: 'cat', name: 'Cat Helper', roles: [ROLE.learner] });
    dan = await join({ sub: 'dan', name: 'Dan Hidden', roles: [ROLE.learner] });
    // A second space in the course whose learners are anonymous to each other.
    const t2 = await join({ sub: 'teacher', name: 'Tess Teacher', roles: [ROLE.instructor], resourceLinkId: 'anon-link' });
    const setup2 = see(await t2.post('/app/setup', { kind: 'prep', title: 'Anonymous space', time_zone: 'UTC' }));
    anonSpaceId = /\/spaces\/([0-9a-f-]{36})/.exec(setup2.headers.get('location')!)![1]!;
    see(await t2.post(`/spaces/${anonSpaceId}/settings`, { title: 'Anonymous space', intro: '', time_zone: 'UTC', anonymity: 'peers' }));
  });
  after(async () => stack?.close());

  it('endorse, accept and react → the directory ranks helpers per tag; anonymous-space help never shows; two clicks from the space page', async () => {
    see(await teacher.post(`/spaces/${spaceId}/tags`, { label: 'Forklift safety' }));
    const tagsPage = see(await teacher.get(`/spaces/${spaceId}/tags`), 200);
    const tagId = /id="rename-([0-9a-f-]{36})" name="label" maxlength="\d+" required value="Forklift safety"/.exec(tagsPage.body)![1]!;

    const q = threadIdFrom(see(await ann.post(`/spaces/${spaceId}/threads`, { title: 'How do I check the forks?', body: 'Before a shift', kind: 'question', tags: tagId })));
    const b = postIdFrom(see(await ben.post(`/threads/${q}/replies`, { body: 'Look for cracks at the heel' })));
    const c = postIdFrom(see(await cat.post(`/threads/${q}/replies`, { body: 'Measure the blade thickness' })));
    // Cat: endorsed (3) + one helpful (1) = 4; Ben: accepted (5) + two helpful (2) = 7.
    see(await teacher.post(`/posts/${c}/endorse`));
    see(await ann.post(`/posts/${c}/react`));
    see(await ann.post(`/posts/${b}/accept`));
    see(await cat.post(`/posts/${b}/react`));
    see(await dan.post(`/posts/${b}/react`));
    // Dan's well-received answer in the anonymous space: endorsed and helpful, yet never listed.
    const a = threadIdFrom(see(await ann.post(`/spaces/${anonSpaceId}/threads`, { title: 'Anonymous question', body: 'q', kind: 'discussion' })));
    const d = postIdFrom(see(await dan.post(`/threads/${a}/replies`, { body: 'An anonymous answer' })));
    see(await teacher.post(`/posts/${d}/endorse`));
    see(await ann.post(`/posts/${d}/react`));

    // Click 1: the space page links to the directory.
    const space = see(await ann.get(`/spaces/${spaceId}`), 200);
    expect(space.body).to.contain(`href="/spaces/${spaceId}/people-directory?session=`);
    expect(space.body).to.contain('People directory: who knows what?');
    const page = see(await ann.get(dir()), 200);
    expect(namesIn(page)).to.deep.equal(['Ben Helper', 'Cat Helper']);
    expect(page.body).to.contain('7 points of help').and.to.contain('4 points of help');
    expect(page.body).to.contain('Forklift safety <span class="tag-count">(7 points)</span>');
    expect(page.body).not.to.contain('Dan Hidden');
    // Click 2: a topic link ("who knows this?") is the search.
    expect(page.body).to.contain(`/spaces/${spaceId}/people-directory?q=Forklift%20safety&amp;session=`);
    expect(page.body).to.contain('Who knows Forklift safety?');
    const found = see(await ann.get(dir('forklift')), 200);
    expect(namesIn(found)).to.deep.equal(['Ben Helper', 'Cat Helper']);
    expect(found.body).to.contain('7 points of help on Forklift safety');

    // Hiding Ben's answer takes his help out at once; restoring brings it back.
    see(await teacher.post(`/posts/${b}/hide`));
    expect(namesIn(see(await ann.get(dir()), 200))).to.deep.equal(['Cat Helper']);
    see(await teacher.post(`/posts/${b}/restore`));
    expect(namesIn(see(await ann.get(dir()), 200))).to.deep.equal(['Ben Helper', 'Cat Helper']);
  });

  it('each person edits their own profile (CSRF, validation keeps input); search finds by expertise; Spanish pages', async () => {
    const form = see(await dan.get(`/spaces/${spaceId}/people-directory/profile`), 200);
    expect(form.body).to.contain('<label for="profile-bio">').and.to.contain('<label for="profile-expertise">').and.to.contain('name="open_to_mentoring"');
    // No CSRF token: refused, nothing saved.
    see(await dan.post(`/spaces/${spaceId}/people-directory/profile`, { bio: 'no token' }, { csrf: null }), 403);
    // Too long: 413 and what was typed comes back.
    const long = see(await dan.post(`/spaces/${spaceId}/people-directory/profile`, { bio: 'y'.repeat(1001), expertise: 'Pallet jacks, kept' }), 413);
    expect(long.body).to.contain('Keep your bio to 1000 characters or fewer.').and.to.contain('value="Pallet jacks, kept"').and.to.contain('aria-invalid="true"');
    const many = see(await dan.post(`/spaces/${spaceId}/people-directory/profile`, { bio: 'Bio <b>kept</b>', expertise: Array.from({ length: 11 }, (_, i) => `L${i}`).join(', ') }), 400);
    expect(many.body).to.contain('List at most 10 expertise labels.').and.to.contain('Bio &lt;b&gt;kept&lt;/b&gt;</textarea>');
    expect(namesIn(see(await ann.get(dir()), 200))).not.to.include('Dan Hidden');

    const saved = see(await dan.post(`/spaces/${spaceId}/people-directory/profile`, { bio: 'I drive **pallet jacks** <script>alert(1)</script>', expertise: 'Pallet jacks, <b>Loading</b> docks', open_to_mentoring: 'on' }));
    expect(saved.headers.get('location')).to.contain('saved=1');
    expect(see(await dan.get(`/spaces/${spaceId}/people-directory/profile?saved=1`), 200).body).to.contain('Your profile was saved.');
    const page = see(await ann.get(dir()), 200);
    // Dan has a profile but no counted help: listed after those with help.
    expect(namesIn(page)).to.deep.equal(['Ben Helper', 'Cat Helper', 'Dan Hidden']);
    expect(page.body).to.contain('<strong>pallet jacks</strong>').and.to.contain('&lt;b&gt;Loading&lt;/b&gt; docks');
    expect(page.body).not.to.contain('<script>alert(1)').and.not.to.contain('<b>Loading');
    expect(page.body).to.contain('Open to mentoring');
    // "Who knows pallet jacks": found by declared expertise; not Ben or Cat.
    expect(namesIn(see(await ann.get(dir('Pallet JACKS')), 200))).to.deep.equal(['Dan Hidden']);
    expect(namesIn(see(await ann.get(dir('nobody-knows-this')), 200))).to.deep.equal([]);
    // A query that is too long: 400 with the text given back.
    const tooLong = see(await ann.get(dir('q'.repeat(101))), 400);
    expect(tooLong.body).to.contain('Search for at most 100 characters.').and.to.contain(`value="${'q'.repeat(101)}"`);

    // Only one's own profile: the form has no user field, and another field named so is ignored.
    see(await ben.post(`/spaces/${spaceId}/people-directory/profile`, { bio: 'Ben bio', expertise: '', user_id: 'dan' }));
    const after = see(await ann.get(dir('pallet')), 200);
    expect(after.body).to.contain('I drive');
    expect(see(await ann.get(dir('Ben bio')), 200).body).to.contain('Ben Helper');

    // The same pages in Spanish.
    const es = await join({ sub: 'ann', name: 'Ann Asker', roles: [ROLE.learner], locale: 'es-ES' });
    const esPage = see(await es.get(dir()), 200);
    expect(esPage.body).to.contain('Quién sabe qué en este curso').and.to.contain('Disponible para mentoría');
  });

  it('mentors read but keep no profile; another course gets 404 and none of this course\'s people', async () => {
    const mentor = await join({ sub: 'mentor', name: 'Mo Mentor', roles: [ROLE.mentor] });
    expect(namesIn(see(await mentor.get(dir()), 200))).to.include('Ben Helper');
    see(await mentor.get(`/spaces/${spaceId}/people-directory/profile`), 403);
    see(await mentor.post(`/spaces/${spaceId}/people-directory/profile`, { bio: 'mentor' }), 403);

    const outsider = await join({ sub: 'ben', name: 'Ben Helper', roles: [ROLE.instructor], contextId: 'course-2', resourceLinkId: 'b-link' });
    for (const res of [await outsider.get(dir()), await outsider.get(dir('forklift')), await outsider.get(`/spaces/${spaceId}/people-directory/profile`), await outsider.post(`/spaces/${spaceId}/people-directory/profile`, { bio: 'intruder' })]) {
      expect(res.status).to.equal(404);
      expect(res.body).not.to.contain('Forklift').and.not.to.contain('pallet');
    }
    // Course B's own directory (its own space) lists nobody from course A, not even the same LMS user.
    const setup = see(await outsider.post('/app/setup', { kind: 'prep', title: 'Course B space', time_zone: 'UTC' }));
    const bSpace = /\/spaces\/([0-9a-f-]{36})/.exec(setup.headers.get('location')!)![1]!;
    const bDir = see(await outsider.get(`/spaces/${bSpace}/people-directory`), 200);
    expect(namesIn(bDir)).to.deep.equal([]);
    expect(bDir.body).not.to.contain('Ben bio').and.not.to.contain('Forklift');
    expect((await ben.get(dir('Ben bio'))).body).to.contain('Ben bio');
  });
});
