/** The API's contract view, built from state alone so every endpoint shows the same thing. */
import { ExamRequirement } from './eligibility';
import { Channel, ExamOutcome, ExamResult } from './events';
import { IsoDate, jalaliOfIso } from './jalali';
import { ContractStatus, ContractSummary, ExamStatus } from './state';

export interface ContractView {
  readonly id: string;
  readonly contractNumber: string;
  readonly contractDate: IsoDate;
  readonly contractDateJalali: string;
  readonly nationalCode: string;
  readonly channel: Channel;
  readonly branchId: string;
  readonly status: ContractStatus;
  readonly premiumRate: number;
  readonly wageBasis: number;
  readonly monthlyPremium: number;
  readonly startDate: IsoDate;
  readonly startDateJalali: string;
  readonly paymentDeadline: IsoDate;
  readonly paymentDeadlineJalali: string;
  readonly paidThrough: IsoDate | null;
  readonly paidThroughJalali: string | null;
  readonly exam: {
    readonly requirement: ExamRequirement;
    readonly status: ExamStatus;
    readonly deadline: IsoDate | null;
    readonly deadlineJalali: string | null;
    readonly referralNumber: string | null;
    readonly result: ExamResult | null;
    readonly determination: ExamOutcome | null;
  };
  readonly revision: number;
}

/** `revision` is the 0-based stream revision of the last event folded into `state`. */
export function contractView(state: ContractSummary, revision: number): ContractView {
  return {
    id: state.id,
    contractNumber: state.contractNumber,
    contractDate: state.contractDate,
    contractDateJalali: jalaliOfIso(state.contractDate),
    nationalCode: state.applicant.nationalCode,
    channel: state.channel,
    branchId: state.branchId,
    status: state.status,
    premiumRate: state.premiumRate,
    wageBasis: state.wageBasis,
    monthlyPremium: state.monthlyPremium,
    startDate: state.startDate,
    startDateJalali: jalaliOfIso(state.startDate),
    paymentDeadline: state.paymentDeadline,
    paymentDeadlineJalali: jalaliOfIso(state.paymentDeadline),
    paidThrough: state.paidThrough,
    paidThroughJalali: jalaliOfIso(state.paidThrough),
    exam: {
      requirement: state.exam.requirement,
      status: state.exam.status,
      deadline: state.exam.deadline,
      deadlineJalali: jalaliOfIso(state.exam.deadline),
      referralNumber: state.exam.referralNumber,
      result: state.exam.result,
      determination: state.exam.determination,
    },
    revision,
  };
}
