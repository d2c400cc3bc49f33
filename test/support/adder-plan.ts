/** The small "adder" project the model-runtime tests plan: five tasks across the four roles. */
export const ADDER_TASKS = [
  { id: 'T1', title: 'Plan', agent: 'ProjectManager', depends_on: [], commentary: '' },
  { id: 'T2', title: 'Design', agent: 'Designer', depends_on: ['T1'], commentary: '' },
  { id: 'T3', title: 'Test plan', agent: 'Tester', depends_on: ['T2'], commentary: '' },
  { id: 'T4', title: 'Implement add()', agent: 'Implementer', depends_on: ['T2'], commentary: '' },
  { id: 'T5', title: 'Write the tests', agent: 'Tester', depends_on: ['T4'], commentary: '' },
];
