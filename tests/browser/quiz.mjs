// Browser tests of issue 14: the predict-the-next-step quiz driven through a whole scenario by
// the API (always right: full score; wrong once: the score says so) and by the keys 1-4 and
// Enter; a glossary chip opens the glossary at its term; the beginner view hides ESMTP
// parameters and capability lines until "show all". The right answer is taken from the
// command line's own run of the scenario (relaylab sim NAME --format json), never from the page.
import path from 'node:path';
import { openPage, assert } from './harness.mjs';
import { nextFrames } from './classroom.mjs';

const api = (p, fn, arg) => p.evaluate(fn, arg);
const state = (p) => api(p, () => window.relaylab.state());

// What the page needs of the command line's report to tell the right choice: per step its
// code, enhanced code, text and outcome.
const facts = (report) => report.steps.map((st) => ({ code: st.code, enhanced: st.enhanced, text: st.text, outcome: st.outcome }));

// The index of the choice that says what the report's step really is (also run in the page).
function expectedIndex(q, steps) {
  const step = steps[q.step - 1];
  return q.choices.findIndex((c) => {
    if (c.kind === 'reply') return c.code === step.code && c.enhanced === step.enhanced;
    if (c.kind === 'dns') return step.text.endsWith(': ' + c.label);
    return c.outcome === step.outcome;
  });
}

// Answers every question of the loaded quiz through the API, inside the page (one round trip);
// question number `wrongAt` gets a wrong answer. Returns {n, problems, score}.
const driveByApi = (p, steps, wrongAt = -1) => p.evaluate(({ steps, wrongAt, pickSrc }) => {
  const pick = new Function('q', 'steps', pickSrc);
  const r = window.relaylab;
  const problems = [];
  let n = 0;
  for (let guard = 0; guard < 5000; guard++) {
    const q = r.quiz.question();
    if (q) {
      const s = r.state();
      if (s.step !== q.step - 1) problems.push(`question for step ${q.step} asked at step ${s.step}`);
      if (q.choices.length < 2 || q.choices.length > 4) problems.push(`${q.choices.length} choices at step ${q.step}`);
      if (new Set(q.choices.map((c) => c.label)).size !== q.choices.length) problems.push(`duplicates at step ${q.step}`);
      if (!(q.prompt.length > 10)) problems.push(`prompt ${q.prompt}`);
      if (n === 0) {  // stepping on past an unanswered question is blocked
        r.step();
        if (r.state().step !== s.step) problems.push('step() went past an unanswered question');
      }
      const right = pick(q, steps);
      if (right < 0) { problems.push(`no choice matches step ${q.step}: ${JSON.stringify(q.choices)}`); break; }
      const choice = n === wrongAt ? (right + 1) % q.choices.length : right;
      const a = r.quiz.answer(choice);
      if (a.correct !== (choice === right)) problems.push(`answer ${choice} at step ${q.step}: ${JSON.stringify(a)}`);
      if (a.expected !== q.choices[right].label) problems.push(`expected ${a.expected}, the report says ${q.choices[right].label}`);
      if (typeof a.explanation !== 'string') problems.push('no explanation');
      n++;
      r.quiz.next();
      continue;
    }
    const s = r.state();
    if (s.step >= s.total_steps) return { n, problems, score: r.quiz.score() };
    r.step();
  }
  problems.push('the quiz never reached the end of the run');
  return { n, problems, score: r.quiz.score() };
}, { steps, wrongAt, pickSrc: `return (${expectedIndex.toString()})(q, steps);` });

export function quizTests({ browser, url, figures, report }) {
  return [
    ['quiz via the API: a whole run answered right scores full; one wrong answer shows in the score', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=happy-path&step=12');
      const steps = facts(report('happy-path'));
      const start = await api(p, () => window.relaylab.quiz.start());
      assert(start.answered === 0 && start.total > 10, `start ${JSON.stringify(start)}`);
      const s0 = await state(p);
      assert(s0.step === 0 && s0.prefs.hide_future && s0.quiz.active, `after start: ${JSON.stringify(s0.quiz)} step ${s0.step}`);
      const full = await driveByApi(p, steps);
      assert(full.problems.length === 0, full.problems.join('; '));
      const score = full.score;
      assert(full.n === score.total && score.answered === score.total && score.correct === score.total,
             `full run: ${full.n} answered, score ${JSON.stringify(score)}`);
      assert(score.total >= 20, `only ${score.total} questions in happy-path`);
      await api(p, () => window.relaylab.quiz.start());  // again, with one wrong answer
      const once = await driveByApi(p, steps, 3);
      assert(once.problems.length === 0, once.problems.join('; '));
      assert(once.score.answered === once.score.total && once.score.correct === once.score.total - 1,
             `one wrong: ${JSON.stringify(once.score)}`);
      figures.lines.push(`quiz: happy-path has ${score.total} questions`);
      await api(p, () => window.relaylab.quiz.stop());
      const s1 = await state(p);
      assert(!s1.quiz.active && !s1.prefs.hide_future, `after stop: ${JSON.stringify(s1.quiz)}, hide_future ${s1.prefs.hide_future}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['quiz via the keys: 1-4 answer, Enter goes on, through a whole relay-denied run', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=relay-denied', { width: 1280, height: 800 });
      const steps = facts(report('relay-denied'));
      await api(p, () => window.relaylab.quiz.start());
      await nextFrames(p, 3);
      const t = await api(p, () => window.relaylab.layout().toolbar);
      await p.mouse.click(t.x + t.width - 3, t.y + 3);  // the page has the keyboard, no widget the focus
      await nextFrames(p, 3);
      let asked = 0;
      for (let guard = 0; guard < 100; guard++) {
        const { q, s } = await api(p, () => ({ q: window.relaylab.quiz.question(), s: window.relaylab.state() }));
        if (!q && s.step >= s.total_steps) break;
        if (q) {
          const right = expectedIndex(q, steps);
          assert(right >= 0, `no choice matches step ${q.step}: ${JSON.stringify(q.choices)}`);
          const shot = figures.shotDir && q.choices[right].code === 550;  // relaying denied
          if (shot) await p.screenshot({ path: path.join(figures.shotDir, 'quiz-question.png') });
          await p.keyboard.press(String(right + 1));
          await nextFrames(p, 3);
          const after = await state(p);
          assert(!after.quiz.pending && after.quiz.score.correct === asked + 1,
                 `key ${right + 1} at step ${q.step}: ${JSON.stringify(after.quiz)}`);
          if (shot) {
            await p.screenshot({ path: path.join(figures.shotDir, 'quiz-reveal.png') });
            figures.lines.push(`quiz screenshots: ${path.join(figures.shotDir, 'quiz-question.png')}, quiz-reveal.png`);
          }
          asked++;
        }
        await p.keyboard.press('Enter');
        await nextFrames(p, 2);
        const moved = await state(p);
        assert(moved.step > s.step, `Enter did not go on from step ${s.step}`);
      }
      const score = await api(p, () => window.relaylab.quiz.score());
      assert(asked >= 5 && asked === score.total && score.correct === score.total, `keys: ${asked} asked, score ${JSON.stringify(score)}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['quiz: the greylisted RCPT offers 451 4.7.1 and, from the switch flipped, 250 2.1.5', async () => {
      const { page: p } = await openPage(browser, url + '#scenario=greylisting');
      const steps = facts(report('greylisting'));
      const i = steps.findIndex((st) => st.code === 451);
      const q = await p.evaluate(({ i, steps, pickSrc }) => {
        const pick = new Function('q', 'steps', pickSrc);
        const r = window.relaylab;
        r.quiz.start();
        // Seeking stops at the first unanswered question: answer them on the way.
        for (let guard = 0; guard < 200 && r.state().step < i; guard++) {
          const q = r.quiz.question();
          if (q) r.quiz.answer(pick(q, steps));
          r.seek(i);
        }
        return r.quiz.question();
      }, { i, steps, pickSrc: `return (${expectedIndex.toString()})(q, steps);` });
      assert(q && q.step === i + 1, `no question at the greylisted RCPT: ${JSON.stringify(q)}`);
      const codes = q.choices.map((c) => `${c.code} ${c.enhanced}`);
      assert(codes.includes('451 4.7.1') && codes.includes('250 2.1.5'), `choices ${codes.join(', ')}`);
      await p.close();
    }],
    ['glossary: the list has the terms once each; a chip under an explanation opens it at its term', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=greylisting&step=1');
      await api(p, () => window.relaylab.setPresenterMode(true));  // the step's explanation first in its panel
      const terms = await api(p, () => window.relaylab.glossary());
      const names = terms.map((t) => t.term);
      assert(new Set(names).size === names.length && names.length >= 27, `glossary ${names.join(', ')}`);
      for (const must of ['MX', 'DSN', 'greylisting', 'STARTTLS', 'null MX', 'envelope vs header'])
        assert(names.includes(must), `no ${must} in the glossary`);
      // Step on until the current step's explanation has a chip.
      let chip = null;
      for (let n = 1; n < 80 && !chip; n++) {
        await api(p, (k) => window.relaylab.seek(k), n);
        await nextFrames(p, 2);
        const l = await api(p, () => window.relaylab.layout());
        const c = l.glossary_chip;  // drawn, and inside the notes panel's visible part
        if (c.width > 0 && c.y >= l.notes.y && c.y + c.height <= l.notes.y + l.notes.height - 4) chip = l;
      }
      assert(chip, 'no visible glossary chip in the first 80 steps');
      await p.mouse.click(chip.glossary_chip.x + chip.glossary_chip.width / 2, chip.glossary_chip.y + chip.glossary_chip.height / 2);
      await nextFrames(p, 3);
      const s = await state(p);
      assert(s.glossary.open && s.glossary.term === chip.glossary_chip_term,
             `after the click on ${chip.glossary_chip_term}: ${JSON.stringify(s.glossary)}`);
      const box = await api(p, () => window.relaylab.layout().glossary);
      assert(box.width > 100 && box.height > 100, `glossary window ${JSON.stringify(box)}`);
      if (figures.shotDir) await p.screenshot({ path: path.join(figures.shotDir, 'glossary.png') });
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
    ['beginner view: no ESMTP parameters or capability lines until "show all"', async () => {
      const { page: p, errors } = await openPage(browser, url + '#scenario=happy-path&step=30');
      await nextFrames(p, 3);
      const plain = (await state(p)).views.transcript;
      assert(/MAIL FROM:<alice@lab\.test> SIZE=/.test(plain.current_line), `expert line ${plain.current_line}`);
      assert(plain.steps.includes(6), 'capability line (step 6) missing in the expert view');
      await api(p, () => window.relaylab.setBeginner(true));
      await nextFrames(p, 3);
      const s = await state(p);
      assert(s.prefs.beginner === true, `prefs ${JSON.stringify(s.prefs)}`);
      assert(/MAIL FROM:<alice@lab\.test>/.test(s.views.transcript.current_line) && !/SIZE=/.test(s.views.transcript.current_line),
             `beginner line ${s.views.transcript.current_line}`);
      assert(!s.views.transcript.steps.includes(6) && !s.views.sequence.steps.includes(6), 'capability line shown to a beginner');
      await api(p, () => window.relaylab.setShowAll(true));
      await nextFrames(p, 3);
      const all = (await state(p)).views.transcript;
      assert(/SIZE=/.test(all.current_line) && all.steps.includes(6), `show all: ${all.current_line}`);
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      await p.close();
    }],
  ];
}
