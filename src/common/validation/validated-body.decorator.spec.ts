import { TextField } from './text-field';
import { ValidatedBody } from './validated-body.decorator';

class NoteDto {
  @TextField({ maxLength: 10 })
  text: string;
}

describe('@ValidatedBody()', () => {
  it('takes a DTO class as the parameter type', () => {
    expect(() => {
      class NotesController {
        add(@ValidatedBody() dto: NoteDto) {
          return dto;
        }
      }
      return NotesController;
    }).not.toThrow();
  });

  it('refuses any other parameter type when the controller is declared, not on a request', () => {
    expect(() => {
      class NotesController {
        add(@ValidatedBody() text: string) {
          return text;
        }
      }
      return NotesController;
    }).toThrow('@ValidatedBody() on NotesController.add needs a DTO class as the parameter type');
  });
});
