import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Config } from './config';
import type { ResourceNames } from './names';

/** One custom widget: what the widgets function draws (`params.widget`), its title and size. */
export interface UsageWidget {
  /** A name of `WIDGETS` in functions/widgets/src/widgets.rs. */
  readonly widget: string;
  readonly title: string;
  /** Columns of the dashboard's 24. */
  readonly width: number;
  readonly height: number;
  /** `params.limit` (top lists only; the function accepts 1-100). */
  readonly limit?: number;
}

/**
 * The usage widgets, row by row (each row fills the 24 columns): every widget the function
 * draws, once, in the order and widths of ccwb-local's `/dashboard` (functions/local/src/
 * dashboard.rs LAYOUT); test/rust-contract.test.ts compares both with WIDGETS. Tables get the
 * height of their rows (top-users and quota-status: 10, a header and a summary).
 */
export const USAGE_ROWS: readonly (readonly UsageWidget[])[] = [
  [
    { widget: 'total-tokens', title: 'Tokens per day by type', width: 12, height: 7 },
    { widget: 'active-users', title: 'Active users per day', width: 12, height: 7 },
  ],
  [
    { widget: 'tokens-by-model', title: 'Tokens by model', width: 8, height: 6 },
    { widget: 'cost-by-model', title: 'Cost by model', width: 8, height: 6 },
    { widget: 'cache-efficiency', title: 'Prompt cache efficiency', width: 8, height: 6 },
  ],
  [
    { widget: 'quota-status', title: 'Quota status now: blocked and near a limit', width: 12, height: 8, limit: 10 },
    { widget: 'top-users', title: 'Top users by tokens', width: 12, height: 8, limit: 10 },
  ],
  [
    { widget: 'lines-of-code', title: 'Lines of code per day', width: 8, height: 6 },
    { widget: 'commits-and-prs', title: 'Commits and pull requests per day', width: 8, height: 6 },
    { widget: 'code-acceptance', title: 'Edit suggestions accepted, by language', width: 8, height: 6 },
  ],
  [{ widget: 'active-hours', title: 'Tokens by hour and weekday', width: 24, height: 7 }],
];

export interface UsageDashboardProps {
  readonly config: Config;
  readonly names: ResourceNames;
  /** The `ccwb-widgets` function every custom widget invokes. */
  readonly widgets: lambda.IFunction;
  /** The `ccwb-check` function (operations row). */
  readonly check: lambda.IFunction;
  /** Every function, by id, for the errors graph. */
  readonly functions: Record<string, lambda.IFunction>;
  readonly api: HttpApi;
}

/**
 * The CloudWatch dashboard `<stack>-claude-code`: Claude Code usage drawn by the widgets
 * function from the day rollups, and a row of standard metrics for operations. Plus the managed
 * policy `<stack>-dashboard-viewer`: custom widgets run the function with the credentials of
 * whoever views the dashboard, so viewers need to be allowed to invoke it.
 */
export class UsageDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly viewerPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: UsageDashboardProps) {
    super(scope, id);
    const { config, names, widgets, check, api } = props;
    const fiveMinutes = Duration.minutes(5);

    const usage = USAGE_ROWS.map((row) =>
      row.map(
        (w) =>
          new cloudwatch.CustomWidget({
            functionArn: widgets.functionArn,
            title: w.title,
            width: w.width,
            height: w.height,
            params: w.limit === undefined ? { widget: w.widget } : { widget: w.widget, limit: w.limit },
            // Redrawn for the dashboard's refresh, a new size (the charts are drawn to it) and
            // a new time range or zoom (the days read).
            updateOnRefresh: true,
            updateOnResize: true,
            updateOnTimeRangeChange: true,
          }),
      ),
    );

    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 6, height: 6, ...extra });
    const operations = [
      graph('ccwb-check: invocations, errors, throttles', [
        check.metricInvocations({ period: fiveMinutes, statistic: 'Sum' }),
        check.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        check.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      ]),
      graph('ccwb-check: p99 duration (ms)', [check.metricDuration({ period: fiveMinutes, statistic: 'p99' })], {
        leftAnnotations: [{ value: config.checkP99Ms, label: 'alarm threshold' }],
      }),
      graph('API: requests, 4xx, 5xx', [
        api.metricCount({ period: fiveMinutes, statistic: 'Sum' }),
        api.metricClientError({ period: fiveMinutes, statistic: 'Sum' }),
        api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      ]),
      graph(
        'Failed invocations by function',
        Object.entries(props.functions).map(([fnId, fn]) =>
          fn.metricErrors({ period: fiveMinutes, statistic: 'Sum', label: `${names.stack}-${fnId.toLowerCase()}` }),
        ),
      ),
    ];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: names.dashboard,
      // Usage is counted by UTC day: a week is the first view that shows a trend.
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.TextWidget({
            width: 24,
            height: 2,
            markdown: [
              `# Claude Code usage (ccwb deployment \`${names.stack}\`)`,
              `Drawn by the \`${names.stack}-widgets\` function from the usage rollups, by UTC day of the time range. ` +
                `Viewing runs it with your credentials: you need the \`${names.dashboardViewerPolicy}\` policy, and to allow the custom widgets once when the console asks.`,
            ].join('\n\n'),
          }),
        ],
        ...usage,
        [new cloudwatch.TextWidget({ width: 24, height: 1, markdown: '## Operations' })],
        operations,
      ],
    });

    // What viewing takes beyond the console: opening this dashboard, and running its custom
    // widgets. Nothing with a wildcard: ListDashboards (the console's list) and GetMetricData
    // (the operations row) cannot be limited to these resources; see cdk/README.md.
    this.viewerPolicy = new iam.ManagedPolicy(this, 'ViewerPolicy', {
      managedPolicyName: names.dashboardViewerPolicy,
      description: `View the ${names.dashboard} CloudWatch dashboard and run its custom widgets (${names.stack}-widgets)`,
      statements: [
        new iam.PolicyStatement({
          sid: 'OpenDashboard',
          effect: iam.Effect.ALLOW,
          actions: ['cloudwatch:GetDashboard'],
          resources: [this.dashboard.dashboardArn],
        }),
        new iam.PolicyStatement({
          sid: 'RunUsageWidgets',
          effect: iam.Effect.ALLOW,
          actions: ['lambda:InvokeFunction'],
          resources: [widgets.functionArn],
        }),
      ],
    });
  }
}
